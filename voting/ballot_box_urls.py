"""The anonymous ballot box's two routes. The web service serves them among voting's routes
(``voting/urls.py``); the ``ballot`` service serves them alone (``config/ballot_urls.py``)."""

from django.urls import path

from .views import ballot_box

urlpatterns = [
    path("ballot-box/<uuid:uuid>/cast", ballot_box.cast, name="cast"),
    path("ballot-box/<uuid:uuid>/audit", ballot_box.audit, name="audit"),
]
