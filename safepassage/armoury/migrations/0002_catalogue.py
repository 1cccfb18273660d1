"""The first catalogue, invented-safe: generic designations of what the
Myanmar army issues (the MA series of Myanmar-made rifles, the BA-63
battle rifle), ammunition by calibre, radios and drones. Headquarters
edits the catalogue afterwards; this only seeds it (kept if present)."""

from django.db import migrations

# code, category, English, Burmese, calibre, ammunition, rounds/box, serialised, max
KINDS = [
    ("ma-1", "rifle", "MA-1 assault rifle", "MA-1 တိုက်ခိုက်ရေးသေနတ်", "5.56x45", False, None, True, 1),
    ("ma-2", "rifle", "MA-2 carbine", "MA-2 ကာဘိုင်သေနတ်", "5.56x45", False, None, True, 1),
    ("ma-11", "rifle", "MA-11 assault rifle", "MA-11 တိုက်ခိုက်ရေးသေနတ်", "5.56x45", False, None, True, 1),
    ("ma-15", "rifle", "MA-15 assault rifle", "MA-15 တိုက်ခိုက်ရေးသေနတ်", "7.62x39", False, None, True, 1),
    ("ba-63", "battle_rifle", "BA-63 battle rifle", "BA-63 ရိုင်ဖယ်", "7.62x51", False, None, True, 1),
    ("ba-72", "battle_rifle", "BA-72 battle rifle", "BA-72 ရိုင်ဖယ်", "7.62x51", False, None, True, 1),
    ("ma-3-lmg", "machine_gun", "MA-3 light machine gun", "MA-3 စက်သေနတ်ငယ်", "5.56x45", False, None, True, 1),
    ("gpmg-762", "machine_gun", "General-purpose machine gun 7.62", "အထွေထွေသုံး စက်သေနတ် ၇.၆၂", "7.62x51", False, None, True, 1),
    ("pistol-9", "pistol", "Pistol 9 mm", "ပစ္စတို ၉ မမ", "9x19", False, None, True, 1),
    ("gl-40", "grenade_launcher", "Grenade launcher 40 mm", "လက်ပစ်ဗုံးပစ်လောင်ချာ ၄၀ မမ", "40", False, None, True, 1),
    ("mortar-60", "mortar", "Mortar 60 mm", "စိန်ပြောင်း ၆၀ မမ", "60", False, None, True, 1),
    ("mortar-81", "mortar", "Mortar 81 mm", "စိန်ပြောင်း ၈၁ မမ", "81", False, None, True, 1),
    ("round-60", "mortar_round", "Mortar round 60 mm", "စိန်ပြောင်းကျည် ၆၀ မမ", "60", False, None, False, 200),
    ("round-81", "mortar_round", "Mortar round 81 mm", "စိန်ပြောင်းကျည် ၈၁ မမ", "81", False, None, False, 200),
    ("hand-grenade", "hand_grenade", "Hand grenade", "လက်ပစ်ဗုံး", "", False, None, False, 100),
    ("ammo-556", "ammunition", "Ammunition 5.56x45", "ကျည် ၅.၅၆", "5.56x45", True, 1000, False, 20000),
    ("ammo-762x39", "ammunition", "Ammunition 7.62x39", "ကျည် ၇.၆၂x၃၉", "7.62x39", True, 1000, False, 20000),
    ("ammo-762x51", "ammunition", "Ammunition 7.62x51", "ကျည် ၇.၆၂x၅၁", "7.62x51", True, 500, False, 20000),
    ("ammo-9", "ammunition", "Ammunition 9 mm", "ကျည် ၉ မမ", "9x19", True, 1000, False, 20000),
    ("radio", "radio", "Radio set", "ရေဒီယိုစက်", "", False, None, True, 1),
    ("drone", "drone", "Drone", "ဒရုန်း", "", False, None, True, 1),
]


def seed(apps, schema_editor):
    Kind = apps.get_model("armoury", "Kind")
    for code, category, en, my, calibre, ammo, box, serialised, most in KINDS:
        Kind.objects.get_or_create(
            code=code,
            defaults={
                "category": category,
                "name_en": en,
                "name_my": my,
                "calibre": calibre,
                "is_ammunition": ammo,
                "rounds_per_box": box,
                "serialised": serialised,
                "max_quantity": most,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("armoury", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
