from django.db import migrations


class Migration(migrations.Migration):
    """The sequence behind measures.freshness: cached aggregates are keyed by its last value."""

    dependencies = [("measures", "0007_fewer_measure_indexes")]

    operations = [
        migrations.RunSQL(
            sql="CREATE SEQUENCE IF NOT EXISTS measures_data_version",
            reverse_sql="DROP SEQUENCE IF EXISTS measures_data_version",
        ),
    ]
