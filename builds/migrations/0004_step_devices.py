# A GPU build step holds its host's devices as a container does (builds.StepDevices): the host's
# usage (hosts.HostUsage, kept by skylift_host_usage_refresh, functions migrations 0023 and 0024)
# counts the devices of its unreleased holds beside its tasks' and sandboxes', and a hold's change
# refreshes its host's row as a container's does. Holds take no CPU or memory of the host.

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

HOLDING = "('pending', 'starting', 'running', 'stopping')"  # functions.delivery.placement.HOLDING


def _refresh(with_build_steps: bool) -> str:
    holders = f"""SELECT t.gpu_devices, t.gpu_type FROM functions_task t WHERE t.host_id = host AND t.status IN {HOLDING}
                     UNION ALL
                     SELECT s.gpu_devices, s.gpu_type FROM functions_sandbox s WHERE s.host_id = host AND s.status IN {HOLDING}"""
    if with_build_steps:
        holders += """
                     UNION ALL
                     SELECT b.gpu_devices, b.gpu_type FROM builds_stepdevices b WHERE b.host_id = host AND b.released_at IS NULL"""
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


TRIGGERS = """
CREATE TRIGGER step_devices_usage_insert AFTER INSERT ON builds_stepdevices FOR EACH ROW
    WHEN (NEW.host_id IS NOT NULL AND NEW.released_at IS NULL) EXECUTE FUNCTION skylift_container_usage();
CREATE TRIGGER step_devices_usage_update AFTER UPDATE ON builds_stepdevices FOR EACH ROW
    WHEN ((OLD.released_at IS NULL) IS DISTINCT FROM (NEW.released_at IS NULL)
          OR OLD.host_id IS DISTINCT FROM NEW.host_id
          OR OLD.gpu_devices IS DISTINCT FROM NEW.gpu_devices OR OLD.gpu_type IS DISTINCT FROM NEW.gpu_type)
    EXECUTE FUNCTION skylift_container_usage();
CREATE TRIGGER step_devices_usage_delete AFTER DELETE ON builds_stepdevices FOR EACH ROW
    WHEN (OLD.host_id IS NOT NULL AND OLD.released_at IS NULL) EXECUTE FUNCTION skylift_container_usage();
"""
UNDO_TRIGGERS = """
DROP TRIGGER IF EXISTS step_devices_usage_insert ON builds_stepdevices;
DROP TRIGGER IF EXISTS step_devices_usage_update ON builds_stepdevices;
DROP TRIGGER IF EXISTS step_devices_usage_delete ON builds_stepdevices;
"""
REFRESH_ALL = "SELECT skylift_host_usage_refresh(id) FROM hosts_host ORDER BY id;"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_sandbox_pool_size"),
        ("builds", "0003_build_secrets_encrypted"),
        ("hosts", "0004_host_usage"),
        # skylift_host_usage_refresh as the sandboxes left it, and the last migration that changed it
        ("functions", "0024_host_usage_sandbox_devices"),
        ("functions", "0030_sandbox_pool"),
    ]

    operations = [
        migrations.CreateModel(
            name="StepDevices",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("step", models.PositiveSmallIntegerField()),
                (
                    "gpu_devices",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.PositiveSmallIntegerField(), blank=True, default=list, size=None
                    ),
                ),
                ("gpu_type", models.CharField(blank=True, default="", max_length=32)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("released_at", models.DateTimeField(blank=True, null=True)),
                ("cause", models.CharField(blank=True, default="", max_length=32)),
                (
                    "build",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="gpu_holds",
                        to="builds.build",
                    ),
                ),
                (
                    "host",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="hosts.host",
                    ),
                ),
                (
                    "workspace",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="accounts.workspace"
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        condition=models.Q(("released_at__isnull", True)),
                        fields=["host"],
                        name="step_devices_held",
                    )
                ],
            },
        ),
        migrations.RunSQL(
            _refresh(True) + TRIGGERS + REFRESH_ALL,
            UNDO_TRIGGERS + _refresh(False) + REFRESH_ALL,
        ),
    ]
