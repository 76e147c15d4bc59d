"""Reshapes: inventories of several providers and allocations of several
consumers replaced in one transaction.

A driver moving inventory (VCPU from a compute node to its NUMA nodes,
say) must move the allocations with it, or for a moment allocations
would have no inventory. Placement writes the interim inventory (old and
new together), the allocations, then the final inventory. This writes
everything at once and checks the end state: the listed providers'
generations before anything is written, each allocation against the
final inventory, and that no class the final inventory drops is still
allocated. Every touched provider's generation rises by exactly one.
The statements are those of an allocation write plus three for the
inventory rows, whatever the number of classes and consumers.
"""

import logging
from typing import Any

import sqlalchemy as sa

from placement_min import errors
from placement_min.storage import allocation
from placement_min.storage import inventory
from placement_min.storage import tables
from placement_min.storage.allocation import Inventory
from placement_min.storage.allocation import Key
from placement_min.storage.allocation import Write
from placement_min.storage.database import Database
from placement_min.storage.database import Row
from placement_min.storage.database import utcnow
from placement_min.storage.resource_class import ids_for_names

LOG = logging.getLogger(__name__)

INV = tables.inventories

# {provider uuid: (generation, {class: inventory fields})}
Inventories = dict[str, tuple[int, dict[str, dict[str, Any]]]]
# {(provider id, class id): inventory fields}
Final = dict[Key, dict[str, Any]]


def _providers(conn: sa.Connection, inventories: Inventories,
               writes: list[Write],
               stored: allocation.Stored) -> dict[str, Row]:
    """The touched providers; the listed ones exist and are unchanged
    since the client read them."""
    named = allocation.named_providers(writes)
    providers = allocation.read_providers(conn, named | set(inventories),
                                          stored)
    for part, uuids in (('inventories', inventories), ('allocations', named)):
        missing = sorted(set(uuids) - providers.keys())
        if missing:
            raise errors.ReshapeProviderNotFound(uuid=', '.join(missing),
                                                 part=part)
    for uuid in sorted(inventories):
        if providers[uuid].generation != inventories[uuid][0]:
            raise errors.ProviderGenerationMismatch(
                uuid=uuid, expected=inventories[uuid][0],
                actual=providers[uuid].generation)
    return providers


def _check_dropped(current: dict[Key, Row], final: Final,
                   listed: dict[int, str], totals: dict[Key, int]) -> None:
    """No class the final inventory drops may keep an allocation, the
    ones this reshape writes included."""
    for key, row in sorted(current.items()):
        if key[0] in listed and key not in final and (
                row.used or totals.get(key)):
            raise errors.InventoryInUse(uuid=listed[key[0]],
                                        resource_class=row.name)


def _warn_below_usage(current: dict[Key, Row], final: Final,
                      listed: dict[int, str], totals: dict[Key, int],
                      names: dict[int, str]) -> None:
    for key, fields in final.items():
        row = current.get(key)
        used = (row.used if row is not None else 0) + totals.get(key, 0)
        inventory.warn_if_below_usage(listed[key[0]], names[key[1]],
                                      fields, used)


def _write_inventories(conn: sa.Connection, current: dict[Key, Row],
                       final: Final, listed: dict[int, str]) -> None:
    now = utcnow()
    removed = [row.id for key, row in current.items()
               if key[0] in listed and key not in final]
    if removed:
        conn.execute(INV.delete().where(INV.c.id.in_(removed)))
    updates = [inventory.update_params(current[key].id, now, fields)
               for key, fields in final.items() if key in current]
    if updates:
        conn.execute(inventory.UPDATE_FIELDS, updates)
    inserts = [dict(fields, resource_provider_id=key[0],
                    resource_class_id=key[1], created_at=now, updated_at=now)
               for key, fields in final.items() if key not in current]
    if inserts:
        conn.execute(inventory.INSERT, inserts)


def _reshape(conn: sa.Connection, inventories: Inventories,
             writes: list[Write]) -> None:
    stored = allocation.read_consumers(
        conn, [consumer.uuid for consumer, _allocations in writes])
    providers = _providers(conn, inventories, writes, stored)
    allocation.check_consumer_generations(writes, stored)
    class_ids = ids_for_names(conn, allocation.class_names(writes) | {
        rc for _generation, classes in inventories.values()
        for rc in classes})
    listed = {providers[uuid].id: uuid for uuid in inventories}
    final: Final = {(providers[uuid].id, class_ids[rc]): fields
             for uuid, (_generation, classes) in inventories.items()
             for rc, fields in classes.items()}
    totals = allocation.new_totals(writes, providers, class_ids)
    current = allocation.read_inventories(conn, set(totals), set(listed),
                                          stored)
    _check_dropped(current, final, listed, totals)

    def inventory_of(key: Key) -> Inventory | None:
        if key[0] in listed:
            return final.get(key)
        return allocation.fields(current.get(key))

    allocation.check_allocations(
        writes, providers, class_ids, inventory_of,
        {key: row.used for key, row in current.items()}, stored.held())
    allocation.bump_all(conn, allocation.touched(providers, writes, stored,
                                                 also=inventories))
    _write_inventories(conn, current, final, listed)
    allocation.save(conn, writes, stored, providers, class_ids)
    _warn_below_usage(current, final, listed, totals,
                      {rc_id: rc for rc, rc_id in class_ids.items()})


def reshape(db: Database, inventories: Inventories,
            writes: list[Write]) -> None:
    """Make each listed provider's inventory exactly the one given and
    each listed consumer's allocations exactly theirs, all or nothing."""
    db.run_tries(allocation.retry(db, writes), _reshape, True, inventories,
                 writes)
