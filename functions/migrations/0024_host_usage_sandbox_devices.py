# Sandboxes hold GPU devices too (0023_sandbox_runtime_options): hosts.HostUsage counts theirs beside
# the tasks' (0023_host_usage counted the tasks' only), and a sandbox's change of devices refreshes
# its host's row as a task's does.

from django.db import migrations

HOLDING = "('pending', 'starting', 'running', 'stopping')"  # functions.delivery.placement.HOLDING


def _refresh(with_sandbox_devices: bool) -> str:
    holders = (
        f"""SELECT t.gpu_devices, t.gpu_type FROM functions_task t WHERE t.host_id = host AND t.status IN {HOLDING}
                     UNION ALL
                     SELECT s.gpu_devices, s.gpu_type FROM functions_sandbox s WHERE s.host_id = host AND s.status IN {HOLDING}"""
        if with_sandbox_devices
        else f"SELECT t.gpu_devices, t.gpu_type FROM functions_task t WHERE t.host_id = host AND t.status IN {HOLDING}"
    )
    return f"""
CREATE OR REPLACE FUNCTION skylift_host_usage_refresh(host bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF host IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO hosts_hostusage (host_id, cpu, memory, devices, held)
         SELECT id, 0, 0, '{{}}', '{{}}' FROM hosts_host WHERE id = host
    ON CONFLICT (host_id) DO NOTHING;
    PERFORM 1 FROM hosts_hostusage WHERE host_id = host FOR UPDATE;
    UPDATE hosts_hostusage SET
        cpu = coalesce((SELECT sum(f.cpu) FROM functions_task t JOIN functions_function f ON f.id = t.function_id
                         WHERE t.host_id = host AND t.status IN {HOLDING}), 0)
            + coalesce((SELECT sum(s.cpu) FROM functions_sandbox s
                         WHERE s.host_id = host AND s.status IN {HOLDING}), 0),
        memory = coalesce((SELECT sum(f.memory) FROM functions_task t JOIN functions_function f ON f.id = t.function_id
                            WHERE t.host_id = host AND t.status IN {HOLDING}), 0)
               + coalesce((SELECT sum(s.memory) FROM functions_sandbox s
                            WHERE s.host_id = host AND s.status IN {HOLDING}), 0),
        devices = coalesce((SELECT array_agg(d ORDER BY d) FROM ({holders}) c, unnest(c.gpu_devices) d), '{{}}'),
        held = coalesce((SELECT jsonb_object_agg(x.model, x.n)
                           FROM (SELECT c.gpu_type AS model, sum(cardinality(c.gpu_devices)) AS n
                                   FROM ({holders}) c
                                  WHERE cardinality(c.gpu_devices) > 0
                                  GROUP BY c.gpu_type) x), '{{}}')
     WHERE host_id = host;
END $$;
"""


def _sandbox_trigger(with_devices: bool) -> str:
    devices = (
        "OR OLD.gpu_devices IS DISTINCT FROM NEW.gpu_devices OR OLD.gpu_type IS DISTINCT FROM NEW.gpu_type"
        if with_devices
        else ""
    )
    return f"""
DROP TRIGGER IF EXISTS sandbox_usage_update ON functions_sandbox;
CREATE TRIGGER sandbox_usage_update AFTER UPDATE ON functions_sandbox FOR EACH ROW
    WHEN ((OLD.status IN {HOLDING}) IS DISTINCT FROM (NEW.status IN {HOLDING})
          OR OLD.host_id IS DISTINCT FROM NEW.host_id
          OR OLD.cpu IS DISTINCT FROM NEW.cpu OR OLD.memory IS DISTINCT FROM NEW.memory
          {devices})
    EXECUTE FUNCTION skylift_container_usage();
"""


REFRESH_ALL = "SELECT skylift_host_usage_refresh(id) FROM hosts_host ORDER BY id;"


class Migration(migrations.Migration):
    dependencies = [
        ("functions", "0023_host_usage"),
        ("functions", "0023_sandbox_runtime_options"),
    ]

    operations = [
        migrations.RunSQL(
            _refresh(True) + _sandbox_trigger(True) + REFRESH_ALL,
            _refresh(False) + _sandbox_trigger(False) + REFRESH_ALL,
        ),
    ]
