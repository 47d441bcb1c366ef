from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("functions", "0027_input_attempts"),
    ]

    operations = [
        migrations.AddField(
            model_name="sandboxport",
            name="tcp_port",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="an unencrypted port's raw TCP tunnel: this port on the gateway's host (web/sandbox_tcp.py)",
                null=True,
            ),
        ),
    ]
