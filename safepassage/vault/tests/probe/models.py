from django.db import models

from safepassage.vault.fields import (
    BlindIndexField,
    EncryptedDateField,
    EncryptedFileField,
    EncryptedJSONField,
    EncryptedTextField,
    VaultedModel,
)


class Probe(VaultedModel):
    label = models.CharField(max_length=20, blank=True)
    text = EncryptedTextField(max_length=500)
    born = EncryptedDateField()
    extra = EncryptedJSONField()
    photo = EncryptedFileField(content_types=("application/pdf",))
    phone = EncryptedTextField(max_length=40)
    phone_index = BlindIndexField(source="phone", bits=24)

    class Meta:
        app_label = "vault_probe"

    def __str__(self) -> str:
        return f"probe {self.pk}"
