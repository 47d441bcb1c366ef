# A host's held devices per model (hosts.HostUsage.held, and from it hosts.HostFree's free ones)
# counted by the model its inventory has at each held index, healthy ones only, instead of by the
# model its holder was given: the same rule as placement's exact read (hosts/gpus.py
# free_by_model, free = healthy devices whose index is not held), so that the counts per model it
# words a wait from (functions/delivery/placement.py, ALIVE_HOSTS_SQL) and its candidates agree
# with the host read under its lock. They differed once a host held devices of a model it no longer
# has (its agent registered it again with other devices while containers still held the old ones:
# the counts said those free), and by one for each held device that had turned unhealthy.
#
# And the usage is recomputed on any change of a host's devices, not only of its counts per model
# (a device lost and another of the model back in one heartbeat changes which indices are free).

from importlib import import_module

from django.db import migrations

PREVIOUS = import_module("functions.migrations.0032_host_free_capacity")

BY_MODEL = """    IF cardinality(held_devices) > 0 THEN
        used := (SELECT jsonb_object_agg(x.model, x.n)
                   FROM (SELECT c.gpu_type AS model, sum(cardinality(c.gpu_devices)) AS n
                           FROM ({HOLDERS}) c
                          WHERE cardinality(c.gpu_devices) > 0
                          GROUP BY c.gpu_type) x);
    ELSE""".format(HOLDERS=PREVIOUS.HOLDERS)
BY_INDEX = """    IF cardinality(held_devices) > 0 THEN
        used := coalesce((SELECT jsonb_object_agg(x.model, x.n)
                            FROM (SELECT d->>'model' AS model, count(*) AS n
                                    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(h.gpus) = 'array' THEN h.gpus ELSE '[]' END) d
                                   WHERE jsonb_typeof(d) = 'object' AND coalesce((d->>'healthy')::boolean, true)
                                     AND (d->>'index')::int = ANY(held_devices)
                                   GROUP BY 1) x), '{}');
    ELSE"""
READ_HOST = "SELECT cpu, memory, gpu_models INTO h FROM hosts_host WHERE id = host;"


def _refresh(by_index: bool) -> str:
    """0032's function, its held devices counted by index (or back by holder)."""
    sql = PREVIOUS.REFRESH
    assert BY_MODEL in sql and READ_HOST in sql, "0032's function is not as this migration expects"
    if by_index:
        sql = sql.replace(BY_MODEL, BY_INDEX).replace(
            READ_HOST, READ_HOST.replace("gpu_models INTO", "gpu_models, gpus INTO")
        )
    # Only the function (and, below, the trigger): 0032's triggers and sequence stay as they are.
    return sql[: sql.index("CREATE OR REPLACE FUNCTION skylift_host_usage_forget()")]


TRIGGER = """
DROP TRIGGER IF EXISTS host_capacity_update ON hosts_host;
CREATE TRIGGER host_capacity_update AFTER UPDATE ON hosts_host FOR EACH ROW
    WHEN (OLD.cpu IS DISTINCT FROM NEW.cpu OR OLD.memory IS DISTINCT FROM NEW.memory
          OR OLD.{devices} IS DISTINCT FROM NEW.{devices})
    EXECUTE FUNCTION skylift_host_capacity();
"""
REFRESH_ALL = "SELECT skylift_host_usage_refresh(id) FROM hosts_host ORDER BY id;"


class Migration(migrations.Migration):
    dependencies = [
        ("functions", "0032_host_free_capacity"),
    ]

    operations = [
        migrations.RunSQL(
            _refresh(True) + TRIGGER.format(devices="gpus") + REFRESH_ALL,
            _refresh(False) + TRIGGER.format(devices="gpu_models") + REFRESH_ALL,
        )
    ]
