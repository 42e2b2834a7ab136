# Every overdue flag is a non-HOT update (overdue_since is in measure_overdue_candidates' condition),
# so it inserts into every index on measures_measure; the outbox row it writes, into every index on
# measures_measurealert. These three indexes duplicate another's leading column and no query needs
# them (EXPLAIN of the list, API list, review and dashboard queries with and without them):
# - measure_review_status (review_id, status): the planner used the review_id foreign-key index anyway;
# - measures_measure_problem_id_…: measure_problem_cover leads with problem_id;
# - measures_measurealert_measure_id_…: measure_alert_unique leads with measure_id.
# The foreign keys only lose their index: a plain DROP INDEX, without Django's drop and re-add of the
# constraint (which would re-validate a million rows under an exclusive lock).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('issues', '0002_review_reminder_working_days'),
        ('measures', '0006_dashboard_indexes'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='measure',
            name='measure_review_status',
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='measure',
                    name='problem',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='measures', to='issues.problem', verbose_name='problem'),
                ),
                migrations.AlterField(
                    model_name='measurealert',
                    name='measure',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='alerts', to='measures.measure', verbose_name='measure'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="DROP INDEX IF EXISTS measures_measure_problem_id_084ffcd3",
                    reverse_sql="CREATE INDEX measures_measure_problem_id_084ffcd3 ON measures_measure (problem_id)",
                ),
                migrations.RunSQL(
                    sql="DROP INDEX IF EXISTS measures_measurealert_measure_id_ea5cec92",
                    reverse_sql=(
                        "CREATE INDEX measures_measurealert_measure_id_ea5cec92 ON measures_measurealert (measure_id)"
                    ),
                ),
            ],
        ),
    ]
