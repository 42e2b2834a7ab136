from django.db import migrations

# name, task, crontab (minute, hour)
SCHEDULES = [
    ("台账任务失联回收", "reports.tasks.ledger_jobs_reclaim", ("*", "*")),
    ("台账导入过期上传清理", "reports.tasks.ledger_imports_purge", ("15", "*")),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour) in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="Asia/Shanghai"
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0006_ledger_import"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
