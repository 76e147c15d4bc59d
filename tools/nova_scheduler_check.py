"""Nova's scheduler path against a running placement_min, unchanged.

    python3 -m venv /tmp/novavenv && /tmp/novavenv/bin/pip install nova
    /tmp/novavenv/bin/python tools/nova_scheduler_check.py http://127.0.0.1:8778

Seeds two compute node trees over HTTP (one with HW_CPU_X86_AVX2 and two
VGPU children, one without the trait), builds a RequestSpec from a
flavor that requires HW_CPU_X86_AVX2 and asks for one VGPU in a granular
group, turns it into Nova's ResourceRequest, and calls Nova's own
``SchedulerReportClient.get_allocation_candidates`` (microversion 1.36)
and ``claim_resources`` with the first candidate (a PUT that carries the
candidate's ``mappings``). The client talks to the service through a
keystoneauth session with a fixed endpoint and the noauth2 token
``admin``. Exits non-zero if any step fails.
"""

import json
import sys
import urllib.request
import uuid

from keystoneauth1 import adapter
from keystoneauth1 import session
from keystoneauth1 import token_endpoint

import nova.conf
from nova import context as nova_context
from nova import objects
from nova.scheduler import utils as scheduler_utils
from nova.scheduler.client import report


RUN = uuid.uuid4().hex[:8]


def call(endpoint: str, method: str, path: str, body=None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    # The endpoint is the http URL given on the command line.
    request = urllib.request.Request(  # noqa: S310
        endpoint + path, data=data, method=method,
        headers={'X-Auth-Token': 'admin', 'Content-Type': 'application/json',
                 'OpenStack-API-Version': 'placement 1.39'})
    with urllib.request.urlopen(request) as response:  # noqa: S310
        text = response.read()
    return json.loads(text) if text else {}


def provider(endpoint, name, inventories, parent=None, traits=()) -> str:
    # A run-specific suffix keeps names unique when run again.
    body = {'name': f'{name}-{RUN}'}
    if parent:
        body['parent_provider_uuid'] = parent
    rp = call(endpoint, 'POST', '/resource_providers', body)
    path = f'/resource_providers/{rp["uuid"]}'
    generation = call(endpoint, 'PUT', path + '/inventories', {
        'resource_provider_generation': rp['generation'],
        'inventories': inventories})['resource_provider_generation']
    if traits:
        call(endpoint, 'PUT', path + '/traits', {
            'resource_provider_generation': generation,
            'traits': list(traits)})
    return rp['uuid']


def seed(endpoint: str) -> dict:
    compute = {'VCPU': {'total': 16}, 'MEMORY_MB': {'total': 32768},
               'DISK_GB': {'total': 500}}
    names = {}
    names['cn-avx2'] = provider(endpoint, 'cn-avx2', compute,
                                traits=['HW_CPU_X86_AVX2'])
    for n in range(2):
        names[f'pgpu{n}'] = provider(endpoint, f'cn-avx2-pgpu{n}',
                                     {'VGPU': {'total': 4}},
                                     parent=names['cn-avx2'])
    names['cn-plain'] = provider(endpoint, 'cn-plain', compute)
    names['pgpu-plain'] = provider(endpoint, 'cn-plain-pgpu',
                                   {'VGPU': {'total': 4}},
                                   parent=names['cn-plain'])
    return names


def report_client(endpoint: str) -> report.SchedulerReportClient:
    auth = token_endpoint.Token(endpoint, 'admin')
    placement = adapter.Adapter(session.Session(auth=auth),
                                service_type='placement',
                                endpoint_override=endpoint)
    return report.SchedulerReportClient(adapter=placement)


def request_spec():
    flavor = objects.Flavor(
        vcpus=2, memory_mb=2048, root_gb=20, ephemeral_gb=0, swap=0,
        extra_specs={'trait:HW_CPU_X86_AVX2': 'required',
                     'resources_GPU:VGPU': '1',
                     'group_policy': 'isolate'})
    return objects.RequestSpec(
        flavor=flavor, is_bfv=False,
        image=objects.ImageMeta(properties=objects.ImageMetaProps()))


def main(argv: list[str]) -> int:
    endpoint = argv[1].rstrip('/')
    nova.conf.CONF([], project='nova')
    objects.register_all()
    names = seed(endpoint)
    by_uuid = {u: n for n, u in names.items()}
    client = report_client(endpoint)
    ctx = nova_context.RequestContext(user_id='demo', project_id='demo')
    resources = scheduler_utils.ResourceRequest.from_request_spec(
        request_spec())
    print('query:', resources.to_querystring())
    requests, summaries, version = client.get_allocation_candidates(
        ctx, resources)
    if requests is None:
        print('get_allocation_candidates failed')
        return 1
    print(f'version {version}: {len(requests)} candidates, '
          f'{len(summaries)} provider summaries')
    for candidate in requests:
        print('  ', {by_uuid.get(u, u): a['resources']
                     for u, a in candidate['allocations'].items()},
              'mappings', {s: [by_uuid.get(u, u) for u in us]
                           for s, us in candidate['mappings'].items()})
    if not requests or any('plain' in by_uuid.get(u, u) for r in requests
                           for u in r['allocations']):
        print('unexpected candidates')
        return 1
    consumer = str(uuid.uuid4())
    claimed = client.claim_resources(ctx, consumer, requests[0], 'demo',
                                     'demo', version)
    print('claim_resources:', claimed)
    if not claimed:
        return 1
    allocations = call(endpoint, 'GET', f'/allocations/{consumer}')
    print('allocations now:', {by_uuid.get(u, u): a['resources'] for u, a in
                               allocations['allocations'].items()})
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
