"""Seed the catalogue: ARN's eight dimensions, five plan templates and the
90 % attendance stipend rule. Headquarters changes them afterwards in the
admin; this migration only adds what is missing (by code).

The Burmese wording is the programme's own draft, for review by the
programme's Burmese-speaking staff.
"""

from __future__ import annotations

from django.db import migrations

DIMENSIONS = [
    ("personal", "Personal (psychosocial)", "ကိုယ်ရေးကိုယ်တာ (စိတ်လူမှု)"),
    ("family", "Family", "မိသားစု"),
    ("health", "Health", "ကျန်းမာရေး"),
    ("education", "Education", "ပညာရေး"),
    ("productive", "Productive (livelihood)", "အသက်မွေးဝမ်းကျောင်း"),
    ("habitat", "Habitat (housing)", "နေထိုင်ရေး"),
    ("citizenship", "Citizenship (documents, legal)", "နိုင်ငံသားရေးရာ (စာရွက်စာတမ်း၊ ဥပဒေ)"),
    ("security", "Security", "လုံခြုံရေး"),
]

A, M = "activity", "milestone"

# dimension -> (goal en, goal my, [(kind, step en, step my, offset days)])
GOALS = {
    "security": (
        "A safe place and a safety plan",
        "လုံခြုံသော နေရာနှင့် လုံခြုံရေး အစီအစဉ်",
        [
            (A, "Safety check-in with the caseworker", "ကိစ္စကြည့်ရှုသူနှင့် လုံခြုံရေး တွေ့ဆုံမှု", 14),
            (M, "Safety plan agreed", "လုံခြုံရေး အစီအစဉ် သဘောတူပြီး", 30),
        ],
    ),
    "personal": (
        "Talk through what happened with a counsellor",
        "အတိုင်ပင်ခံနှင့် စိတ်လူမှုရေး ဆွေးနွေးရန်",
        [
            (A, "Counselling session", "အတိုင်ပင်ခံ တွေ့ဆုံမှု", 14),
            (M, "Five sessions attended", "တွေ့ဆုံမှု ငါးကြိမ် တက်ရောက်ပြီး", 90),
        ],
    ),
    "citizenship": (
        "Obtain identity documents",
        "မှတ်ပုံတင်နှင့် စာရွက်စာတမ်းများ ရယူရန်",
        [(M, "Documents applied for", "စာရွက်စာတမ်း လျှောက်ထားပြီး", 60)],
    ),
    "productive": (
        "Earn a living",
        "ဝင်ငွေ ရရှိရန်",
        [
            (A, "Vocational training class", "အသက်မွေးဝမ်းကျောင်း သင်တန်း", 30),
            (M, "Training completed", "သင်တန်း ပြီးဆုံးပြီး", 120),
        ],
    ),
    "family": (
        "Contact with family, safely",
        "မိသားစုနှင့် လုံခြုံစွာ ဆက်သွယ်ရန်",
        [(M, "Family contacted through a safe channel", "လုံခြုံသော နည်းဖြင့် မိသားစုကို ဆက်သွယ်ပြီး", 45)],
    ),
    "health": (
        "A health check",
        "ကျန်းမာရေး စစ်ဆေးမှု",
        [(M, "Health check done", "ကျန်းမာရေး စစ်ဆေးပြီး", 30)],
    ),
    "education": (
        "Continue learning",
        "ပညာရေး ဆက်လက် သင်ယူရန်",
        [(M, "Enrolled in a school or course", "ကျောင်း သို့မဟုတ် သင်တန်း စာရင်းသွင်းပြီး", 90)],
    ),
    "habitat": (
        "Stable housing",
        "တည်ငြိမ်သော နေအိမ်",
        [(M, "Moved into stable housing", "တည်ငြိမ်သော နေအိမ်သို့ ပြောင်းပြီး", 90)],
    ),
}

EXTRA = {
    "wounded": {
        "health": [
            (A, "Rehabilitation session", "ပြန်လည် ထူထောင်ရေး ကုသမှု", 14),
            (M, "Assistive device or treatment plan in place", "အထောက်အကူ ပစ္စည်း သို့မဟုတ် ကုသမှု အစီအစဉ် ရရှိပြီး", 60),
        ],
    },
    "family-danger": {
        "security": [(M, "Family safety plan agreed", "မိသားစု လုံခြုံရေး အစီအစဉ် သဘောတူပြီး", 21)],
        "family": [(M, "Family moved to safety", "မိသားစုကို လုံခြုံရာသို့ ပြောင်းရွှေ့ပြီး", 60)],
    },
}

TEMPLATES = [
    (
        "conscript",
        "Conscript",
        "အဓမ္မ စစ်မှုထမ်းခဲ့သူ",
        ["security", "personal", "citizenship", "education", "productive", "family"],
    ),
    (
        "career-soldier",
        "Career soldier",
        "စစ်သားဟောင်း",
        ["security", "personal", "productive", "habitat", "citizenship", "family"],
    ),
    (
        "police-officer",
        "Police officer",
        "ရဲဝန်ထမ်းဟောင်း",
        ["security", "personal", "productive", "citizenship", "family", "habitat"],
    ),
    (
        "wounded",
        "Wounded or disabled person",
        "ဒဏ်ရာရသူ သို့မဟုတ် မသန်စွမ်းသူ",
        ["health", "security", "personal", "habitat", "productive", "citizenship"],
    ),
    (
        "family-danger",
        "Person with family in danger",
        "မိသားစု အန္တရာယ်ရှိသူ",
        ["security", "family", "personal", "habitat", "citizenship", "productive"],
    ),
]


def seed(apps, schema_editor):
    Dimension = apps.get_model("reintegration", "Dimension")
    PlanTemplate = apps.get_model("reintegration", "PlanTemplate")
    TemplateGoal = apps.get_model("reintegration", "TemplateGoal")
    TemplateStep = apps.get_model("reintegration", "TemplateStep")
    StipendRule = apps.get_model("reintegration", "StipendRule")
    dims = {}
    for order, (code, en, my) in enumerate(DIMENSIONS):
        dims[code], _ = Dimension.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_my": my, "order": order * 10}
        )
    for code, en, my, dimension_codes in TEMPLATES:
        template, created = PlanTemplate.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_my": my}
        )
        if not created:
            continue
        for order, dim in enumerate(dimension_codes):
            goal_en, goal_my, steps = GOALS[dim]
            goal = TemplateGoal.objects.create(
                template=template,
                dimension=dims[dim],
                title_en=goal_en,
                title_my=goal_my,
                order=order,
            )
            for step_order, (kind, s_en, s_my, days) in enumerate(
                [*steps, *EXTRA.get(code, {}).get(dim, [])]
            ):
                TemplateStep.objects.create(
                    goal=goal,
                    kind=kind,
                    title_en=s_en,
                    title_my=s_my,
                    offset_days=days,
                    order=step_order,
                )
    StipendRule.objects.get_or_create(
        code="attendance-90",
        defaults={
            "name_en": "Attendance of at least 90% of the month's agreed activities",
            "name_my": "လစဉ် သဘောတူထားသော လှုပ်ရှားမှုများ၏ ၉၀ ရာခိုင်နှုန်း အနည်းဆုံး တက်ရောက်ခြင်း",
            "min_attendance_percent": 90,
            "is_default": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("reintegration", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
