"""Every write of the feedback loop (see the submodules); import from here."""

from peerloop.feedback.services.ingest import (
    IdempotencyConflict,
    ItemInput,
    WebhookRefused,
    item_enter,
    item_import_file,
    items_ingest,
    items_store,
    signature_for,
    survey_answer,
    webhook_receive,
    with_receipt,
)
from peerloop.feedback.services.loop import (
    item_advance,
    item_assign,
    item_open_discussion_hook,
    item_tags_set,
    item_transition,
    learn_from_request,
    lesson_share,
)
from peerloop.feedback.services.processing import (
    classifier_train,
    outbox_drain,
    outbox_process,
    owners_left_reassign,
    sla_sweep,
)
from peerloop.feedback.services.sources import rule_delete, rule_save, source_create, source_update, survey_create

__all__ = [
    "IdempotencyConflict",
    "ItemInput",
    "WebhookRefused",
    "classifier_train",
    "item_advance",
    "item_assign",
    "item_enter",
    "item_import_file",
    "item_open_discussion_hook",
    "item_tags_set",
    "item_transition",
    "items_ingest",
    "items_store",
    "learn_from_request",
    "lesson_share",
    "outbox_drain",
    "outbox_process",
    "owners_left_reassign",
    "rule_delete",
    "rule_save",
    "signature_for",
    "sla_sweep",
    "source_create",
    "source_update",
    "survey_answer",
    "survey_create",
    "webhook_receive",
    "with_receipt",
]
