"""The threat kinds an assessment asks about at first; headquarters'
administrators change them afterwards (admin)."""

from django.db import migrations

KINDS = [
    (
        "family_reprisal",
        "Reprisal against family in junta-held areas",
        "စစ်ကောင်စီထိန်းချုပ်ရာ နယ်မြေရှိ မိသားစုအပေါ် လက်စားချေခြင်း",
        10,
    ),
    ("hunted", "Being hunted", "လိုက်လံရှာဖွေ ဖမ်းဆီးခံရခြင်း", 20),
    ("health", "Health", "ကျန်းမာရေး", 30),
    (
        "digital_exposure",
        "Exposure through a phone or social media",
        "ဖုန်း သို့မဟုတ် လူမှုကွန်ရက်မှတစ်ဆင့် ပေါ်ပေါက်ခြင်း",
        40,
    ),
]


def load(apps, schema_editor):
    ThreatKind = apps.get_model("protection", "ThreatKind")
    for code, label, label_my, order in KINDS:
        ThreatKind.objects.get_or_create(
            code=code, defaults={"label": label, "label_my": label_my, "order": order}
        )


class Migration(migrations.Migration):
    dependencies = [("protection", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
