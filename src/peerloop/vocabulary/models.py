"""The common vocabulary: topics (a tree with synonyms), customer segments, company values."""

from django.contrib.contenttypes.models import ContentType
from django.db import models

from peerloop.core.models import TimeStamped


class Topic(TimeStamped):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    synonyms = models.JSONField(default=list, blank=True, help_text="Other words people use for this topic")
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Segment(TimeStamped):
    """A customer segment."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CompanyValue(TimeStamped):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaggedItem(models.Model):
    """A topic attached to any object (generic tagging)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tagged_items")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "content_type", "object_id"], name="tagged_item_unique")
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="tagged_item_object")]

    def __str__(self) -> str:
        return f"{self.topic_id} on {self.content_type_id}:{self.object_id}"
