"""The anonymous ballot box's two routes, and a JSON answer for any other path under
``/ballot-box/`` (never Django's HTML page). The web service serves them among voting's routes
(``voting/urls.py``); the ``ballot`` service serves them alone (``config/ballot_urls.py``)."""

from django.urls import path, re_path

from .views import ballot_box

urlpatterns = [
    path("ballot-box/<uuid:uuid>/cast", ballot_box.cast, name="cast"),
    path("ballot-box/<uuid:uuid>/audit", ballot_box.audit, name="audit"),
    re_path(r"^ballot-box/(?P<path>.*)\Z", ballot_box.elsewhere),
]
