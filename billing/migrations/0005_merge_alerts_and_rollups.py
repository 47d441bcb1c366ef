# Two branches of work each added a migration after 0002: budget alert webhooks, and the usage
# kinds and rollups. They touch different tables; this joins them.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0003_alert_webhooks"),
        ("billing", "0004_usage_by_app"),
    ]

    operations = []
