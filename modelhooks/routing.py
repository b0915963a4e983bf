from django.urls import path

from modelhooks.consumers import ExportConsumer

websocket_urlpatterns = [path("ws/exports/<uuid:export_id>/", ExportConsumer.as_asgi())]
