"""Routes of a convention: its pages, registrar, organizer and observer pages.

Every view here is wrapped in ``convention.permissions.require_permission``;
tests/convention/test_permissions.py fails for one that is not.
"""

from django.urls import path

from .views import conventions, observer, organizer, registrar

app_name = "convention"

urlpatterns = [
    path("new/", organizer.create_convention, name="create"),
    path("<slug:slug>/", conventions.convention_detail, name="detail"),
    # Organizer
    path("<slug:slug>/organize/edit/", organizer.edit_convention, name="edit"),
    path("<slug:slug>/organize/roles/", organizer.roles, name="roles"),
    path("<slug:slug>/organize/roles/remove/", organizer.remove_role, name="remove_role"),
    path("<slug:slug>/organize/quotas/", organizer.quotas, name="quotas"),
    path("<slug:slug>/organize/phase/", organizer.phase, name="phase"),
    # Registrar
    path("<slug:slug>/registrar/", registrar.desk, name="registrar"),
    path("<slug:slug>/registrar/issue/", registrar.issue, name="issue"),
    path("<slug:slug>/registrar/revoke/", registrar.revoke, name="revoke"),
    # Observers and members
    path("<slug:slug>/audit/", observer.audit_log, name="audit"),
    path("<slug:slug>/audit/data.json", observer.audit_export, name="audit_export"),
    path("<slug:slug>/invitations/", observer.invitation_counts, name="invitation_counts"),
]
