# Free capacity kept by the database beside the usage (hosts migration 0006_host_free_capacity):
# every host has its HostUsage row from its registration, with its free CPU and memory and whether
# it has healthy GPUs, and its free devices per model as rows of hosts.HostFree (with its free CPU
# and memory again, so that one index orders them). The one function that recomputes a host's
# usage (0023, 0024, builds 0004) now writes them too, under the usage row's lock, and runs also
# when a host registers or its CPU, memory or devices change. Placement
# (functions/delivery/placement.py) takes the usage row's lock as the host's placement lock and
# chooses its candidates by the indexes on these columns instead of reading every host.
#
# And a counter of the hosts' changes that alter why a container waits (skylift_hosts_shape: a host
# registered or removed, its capacity, devices or draining changed), bumped by a trigger: a
# sequence, so that writers never wait for one another on it. Placement words a wait again when
# it moved (functions/delivery/placement.py, HOSTS_SHAPE_SQL) instead of hashing every host's row
# to find out.

from django.db import migrations

HOLDING = "('pending', 'starting', 'running', 'stopping')"  # functions.delivery.placement.HOLDING

HOLDERS = f"""SELECT t.gpu_devices, t.gpu_type FROM functions_task t WHERE t.host_id = host AND t.status IN {HOLDING}
                     UNION ALL
                     SELECT s.gpu_devices, s.gpu_type FROM functions_sandbox s WHERE s.host_id = host AND s.status IN {HOLDING}
                     UNION ALL
                     SELECT b.gpu_devices, b.gpu_type FROM builds_stepdevices b WHERE b.host_id = host AND b.released_at IS NULL"""

REFRESH = f"""
CREATE OR REPLACE FUNCTION skylift_host_usage_refresh(host bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    used_cpu float8;
    used_memory bigint;
    held_devices smallint[];
    used jsonb;
    h record;
BEGIN
    IF host IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO hosts_hostusage (host_id, cpu, memory, devices, held, cpu_free, memory_free, gpu)
         SELECT id, 0, 0, '{{}}', '{{}}', 0, 0, false FROM hosts_host WHERE id = host
    ON CONFLICT (host_id) DO NOTHING;
    PERFORM 1 FROM hosts_hostusage WHERE host_id = host FOR UPDATE;
    SELECT cpu, memory, gpu_models INTO h FROM hosts_host WHERE id = host;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(x.cpu), 0), coalesce(sum(x.memory), 0) INTO used_cpu, used_memory
      FROM (SELECT f.cpu, f.memory FROM functions_task t JOIN functions_function f ON f.id = t.function_id
             WHERE t.host_id = host AND t.status IN {HOLDING}
             UNION ALL
            SELECT s.cpu, s.memory FROM functions_sandbox s WHERE s.host_id = host AND s.status IN {HOLDING}) x;
    SELECT coalesce(array_agg(d ORDER BY d), '{{}}') INTO held_devices
      FROM ({HOLDERS}) c, unnest(c.gpu_devices) d;
    IF cardinality(held_devices) > 0 THEN
        used := (SELECT jsonb_object_agg(x.model, x.n)
                   FROM (SELECT c.gpu_type AS model, sum(cardinality(c.gpu_devices)) AS n
                           FROM ({HOLDERS}) c
                          WHERE cardinality(c.gpu_devices) > 0
                          GROUP BY c.gpu_type) x);
    ELSE
        used := '{{}}';
    END IF;
    UPDATE hosts_hostusage SET
        cpu = used_cpu,
        memory = used_memory,
        devices = held_devices,
        held = used,
        cpu_free = h.cpu - used_cpu,
        memory_free = h.memory - used_memory,
        gpu = h.gpu_models <> '{{}}'::jsonb
     WHERE host_id = host;
    DELETE FROM hosts_hostfree WHERE host_id = host AND NOT h.gpu_models ? model;
    INSERT INTO hosts_hostfree (host_id, model, free, cpu_free, memory_free)
         SELECT host, g.key, g.value::int - coalesce((used->>g.key)::int, 0), h.cpu - used_cpu, h.memory - used_memory
           FROM jsonb_each_text(h.gpu_models) g
    ON CONFLICT (host_id, model) DO UPDATE SET free = EXCLUDED.free, cpu_free = EXCLUDED.cpu_free,
                                               memory_free = EXCLUDED.memory_free
     WHERE (hosts_hostfree.free, hosts_hostfree.cpu_free, hosts_hostfree.memory_free)
           IS DISTINCT FROM (EXCLUDED.free, EXCLUDED.cpu_free, EXCLUDED.memory_free);
END $$;

CREATE OR REPLACE FUNCTION skylift_host_usage_forget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM hosts_hostusage WHERE host_id = OLD.id;
    DELETE FROM hosts_hostfree WHERE host_id = OLD.id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION skylift_host_capacity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM skylift_host_usage_refresh(NEW.id);
    RETURN NULL;
END $$;

CREATE TRIGGER host_capacity_insert AFTER INSERT ON hosts_host FOR EACH ROW
    EXECUTE FUNCTION skylift_host_capacity();
CREATE TRIGGER host_capacity_update AFTER UPDATE ON hosts_host FOR EACH ROW
    WHEN (OLD.cpu IS DISTINCT FROM NEW.cpu OR OLD.memory IS DISTINCT FROM NEW.memory
          OR OLD.gpu_models IS DISTINCT FROM NEW.gpu_models)
    EXECUTE FUNCTION skylift_host_capacity();

SELECT skylift_host_usage_refresh(id) FROM hosts_host ORDER BY id;

CREATE SEQUENCE IF NOT EXISTS skylift_hosts_shape;
SELECT nextval('skylift_hosts_shape');  -- last_value reads the same before the first nextval as after
CREATE OR REPLACE FUNCTION skylift_hosts_shape_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM nextval('skylift_hosts_shape');
    RETURN NULL;
END $$;
CREATE TRIGGER hosts_shape_rows AFTER INSERT OR DELETE ON hosts_host FOR EACH STATEMENT
    EXECUTE FUNCTION skylift_hosts_shape_bump();
CREATE TRIGGER hosts_shape_update AFTER UPDATE ON hosts_host FOR EACH ROW
    WHEN (OLD.cpu IS DISTINCT FROM NEW.cpu OR OLD.memory IS DISTINCT FROM NEW.memory
          OR OLD.gpu_models IS DISTINCT FROM NEW.gpu_models OR OLD.draining IS DISTINCT FROM NEW.draining)
    EXECUTE FUNCTION skylift_hosts_shape_bump();
"""

# Back to builds 0004's function (without the free capacity, whose columns it does not write: they
# get defaults while hosts 0006 keeps them) and 0023's forget.
UNDO = """
ALTER TABLE hosts_hostusage ALTER COLUMN cpu_free SET DEFAULT 0, ALTER COLUMN memory_free SET DEFAULT 0,
                            ALTER COLUMN gpu SET DEFAULT false;
DROP TRIGGER IF EXISTS hosts_shape_rows ON hosts_host;
DROP TRIGGER IF EXISTS hosts_shape_update ON hosts_host;
DROP FUNCTION IF EXISTS skylift_hosts_shape_bump();
DROP SEQUENCE IF EXISTS skylift_hosts_shape;
DROP TRIGGER IF EXISTS host_capacity_insert ON hosts_host;
DROP TRIGGER IF EXISTS host_capacity_update ON hosts_host;
DROP FUNCTION IF EXISTS skylift_host_capacity();
CREATE OR REPLACE FUNCTION skylift_host_usage_forget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM hosts_hostusage WHERE host_id = OLD.id;
    RETURN NULL;
END $$;
"""


def _undo() -> str:
    from importlib import import_module

    previous = import_module("builds.migrations.0004_step_devices")
    return UNDO + previous._refresh(True)


class Migration(migrations.Migration):
    dependencies = [
        ("functions", "0031_function_i6pn"),
        ("hosts", "0006_host_free_capacity"),
        # skylift_host_usage_refresh as the GPU build steps left it
        ("builds", "0004_step_devices"),
    ]

    operations = [migrations.RunSQL(REFRESH, _undo())]
