"""The default schedules, stored in the database (django-celery-beat) and editable in the admin."""

from django.db import migrations

SCHEDULES = [
    # name, task, crontab (minute, hour, day_of_week, day_of_month, month_of_year)
    ("每日整改扫描(超期、临期、回头看、提醒)", "measures.tasks.daily_jobs", ("10", "0", "*", "*", "*")),
    ("整改提醒汇总发送", "measures.tasks.alerts_dispatch", ("*/15", "*", "*", "*", "*")),
    ("通知补发", "notifications.tasks.deliver_pending", ("*/5", "*", "*", "*", "*")),
]


def create(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, (minute, hour, dow, dom, moy) in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week=dow, day_of_month=dom, month_of_year=moy,
            timezone="Asia/Shanghai",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def remove(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("measures", "0003_measurealert"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
