"""The trial's first two sites (registry record, "Locations")."""

from django.db import migrations

SITES = [
    ("IPC", "Institut Paoli-Calmettes", "Marseille"),
    ("IGR", "Gustave Roussy", "Villejuif"),
]


def create_sites(apps, schema_editor):
    Site = apps.get_model("screening", "Site")
    for code, name, city in SITES:
        Site.objects.get_or_create(code=code, defaults={"name": name, "city": city})


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]

    operations = [migrations.RunPython(create_sites, migrations.RunPython.noop)]
