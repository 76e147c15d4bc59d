"""Nova's compute path against a running placement_min, unchanged.

    python3 -m venv /tmp/novavenv && /tmp/novavenv/bin/pip install nova
    /tmp/novavenv/bin/python tools/nova_compute_check.py http://127.0.0.1:8778

What a compute service does when it starts, through Nova's own
``SchedulerReportClient``: ``get_provider_tree_and_ensure_root`` finds
or creates the compute node's provider and, for one that exists, reads
its aggregates (1.19), traits (1.6) and sharing providers
(``member_of`` and ``required``); ``update_from_provider_tree`` then
writes the inventory, traits (creating the custom one) and aggregates
the driver reported, each generation-checked. It runs twice, the second
time with a new client, as a restarted compute service: the provider
exists, its associations are read, and traits and aggregates change
again. Every value is read back over HTTP after each run. Exits
non-zero if any step fails or any value differs.
"""

import json
import sys
import urllib.request
import uuid

import nova.conf
from nova import context as nova_context
from nova import objects

# The scheduler check's client: the same session, endpoint and token
# (this directory is first on the path when a tool is run).
from nova_scheduler_check import report_client

RUN = uuid.uuid4().hex[:8]
INVENTORY = {
    rc: {'total': total, 'reserved': 0, 'min_unit': 1, 'max_unit': total,
         'step_size': 1, 'allocation_ratio': ratio}
    for rc, total, ratio in (('VCPU', 16, 4.0), ('MEMORY_MB', 32768, 1.0),
                             ('DISK_GB', 500, 1.0))}


def call(endpoint: str, path: str) -> dict:
    # The endpoint is the http URL given on the command line.
    request = urllib.request.Request(  # noqa: S310
        endpoint + path,
        headers={'X-Auth-Token': 'admin',
                 'OpenStack-API-Version': 'placement 1.39'})
    with urllib.request.urlopen(request) as response:  # noqa: S310
        return json.loads(response.read())


def update(client, ctx, rp_uuid: str, name: str, traits: list[str],
           aggregates: list[str]) -> None:
    """One periodic update: the tree read (and its root ensured), the
    driver's view applied to it, and the changes written."""
    tree = client.get_provider_tree_and_ensure_root(ctx, rp_uuid, name=name)
    tree.update_inventory(name, INVENTORY)
    tree.update_traits(name, traits)
    tree.update_aggregates(name, aggregates)
    client.update_from_provider_tree(ctx, tree)


def check(endpoint: str, rp_uuid: str, traits: list[str],
          aggregates: list[str]) -> bool:
    path = f'/resource_providers/{rp_uuid}'
    found_traits = sorted(call(endpoint, path + '/traits')['traits'])
    found_aggregates = sorted(
        call(endpoint, path + '/aggregates')['aggregates'])
    found_inventory = call(endpoint, path + '/inventories')['inventories']
    generation = call(endpoint, path)['generation']
    print(f'  traits {found_traits}')
    print(f'  aggregates {found_aggregates}')
    print(f'  inventory {sorted(found_inventory)}, generation {generation}')
    return (found_traits == sorted(traits)
            and found_aggregates == sorted(aggregates)
            and found_inventory == INVENTORY)


def main(argv: list[str]) -> int:
    endpoint = argv[1].rstrip('/')
    nova.conf.CONF([], project='nova')
    objects.register_all()
    ctx = nova_context.RequestContext(user_id='demo', project_id='demo')
    rp_uuid, name = str(uuid.uuid4()), f'compute-{RUN}'
    custom = f'CUSTOM_COMPUTE_CHECK_{RUN.upper()}'
    steps = [
        (['HW_CPU_X86_AVX2', custom], [str(uuid.uuid4())]),
        (['HW_CPU_X86_AVX2', 'HW_CPU_X86_SSE42'],
         [str(uuid.uuid4()), str(uuid.uuid4())]),
    ]
    for number, (traits, aggregates) in enumerate(steps, 1):
        update(report_client(endpoint), ctx, rp_uuid, name, traits,
               aggregates)
        print(f'update {number}: {name} {rp_uuid}')
        if not check(endpoint, rp_uuid, traits, aggregates):
            print('unexpected values')
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
