"""Routes of deliberation, mounted under /c/<slug>/ next to the convention's own pages."""

from django.urls import path

from .views import conversations, live, moderation, proposals, rooms, search, sessions

app_name = "deliberation"

urlpatterns = [
    path("deliberation/", rooms.index, name="index"),
    path("deliberation/leaving/", rooms.leaving, name="leaving"),
    path("deliberation/search/", search.search, name="search"),
    path("deliberation/organize/", sessions.organize, name="organize"),
    # Sessions and live-session tools
    path("deliberation/sessions/<int:session_id>/", sessions.session_detail, name="session"),
    path(
        "deliberation/sessions/<int:session_id>/agenda/",
        sessions.add_agenda_item,
        name="agenda_add",
    ),
    path(
        "deliberation/sessions/<int:session_id>/current/",
        sessions.current_item,
        name="agenda_current",
    ),
    path("deliberation/sessions/<int:session_id>/hand/", sessions.hand, name="hand"),
    path("deliberation/sessions/<int:session_id>/floor/", sessions.floor, name="floor"),
    path("deliberation/sessions/<int:session_id>/polls/", sessions.open_poll, name="poll_open"),
    path(
        "deliberation/sessions/<int:session_id>/polls/<int:poll_id>/",
        sessions.poll_vote,
        name="poll_vote",
    ),
    # Rooms and posts
    path("deliberation/rooms/<int:room_id>/", rooms.room, name="room"),
    path("deliberation/rooms/<int:room_id>/post/", rooms.create_post, name="post_create"),
    path("deliberation/rooms/<int:room_id>/events/", live.room_events, name="room_events"),
    path("deliberation/rooms/<int:room_id>/updates/", live.room_updates, name="room_updates"),
    path(
        "deliberation/rooms/<int:room_id>/settings/", moderation.room_settings, name="room_settings"
    ),
    path("deliberation/posts/<int:post_id>/", rooms.post_detail, name="post"),
    path("deliberation/posts/<int:post_id>/edit/", rooms.edit_post, name="post_edit"),
    path("deliberation/posts/<int:post_id>/react/", rooms.react, name="post_react"),
    path("deliberation/posts/<int:post_id>/flag/", rooms.flag, name="post_flag"),
    path(
        "deliberation/posts/<int:post_id>/moderate/", moderation.moderate_post, name="post_moderate"
    ),
    # Moderation
    path("deliberation/moderation/", moderation.review_queue, name="queue"),
    path("deliberation/moderation/log/", moderation.public_log, name="log"),
    path("deliberation/moderation/mine/", moderation.my_decisions, name="mine"),
    path(
        "deliberation/moderation/actions/<int:action_id>/appeal/", moderation.appeal, name="appeal"
    ),
    path(
        "deliberation/moderation/appeals/<int:appeal_id>/decide/",
        moderation.decide_appeal,
        name="appeal_decide",
    ),
    # Proposals
    path("deliberation/proposals/", proposals.proposal_list, name="proposals"),
    path("deliberation/proposals/new/", proposals.proposal_new, name="proposal_new"),
    path("deliberation/proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path(
        "deliberation/proposals/<int:proposal_id>/text/",
        proposals.proposal_text,
        name="proposal_text",
    ),
    path(
        "deliberation/proposals/<int:proposal_id>/support/",
        proposals.proposal_support,
        name="proposal_support",
    ),
    path(
        "deliberation/proposals/<int:proposal_id>/amend/",
        proposals.amendment_new,
        name="amendment_new",
    ),
    path(
        "deliberation/proposals/<int:proposal_id>/ballot/",
        proposals.proposal_ballot,
        name="proposal_ballot",
    ),
    path(
        "deliberation/amendments/<int:amendment_id>/decide/",
        proposals.amendment_decide,
        name="amendment_decide",
    ),
    # Opinion map
    path(
        "deliberation/sessions/<int:session_id>/conversations/new/",
        conversations.conversation_open,
        name="conversation_open",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/",
        conversations.conversation,
        name="conversation",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/vote/",
        conversations.vote,
        name="conversation_vote",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/statements/",
        conversations.statement_new,
        name="statement_new",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/close/",
        conversations.conversation_close,
        name="conversation_close",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/reopen/",
        conversations.conversation_reopen,
        name="conversation_reopen",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/map/",
        conversations.opinion_map,
        name="conversation_map",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/map/fragment/",
        conversations.opinion_map_fragment,
        name="conversation_map_fragment",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/export.csv",
        conversations.export,
        {"fmt": "csv"},
        name="conversation_export_csv",
    ),
    path(
        "deliberation/conversations/<int:conversation_id>/export.json",
        conversations.export,
        {"fmt": "json"},
        name="conversation_export_json",
    ),
    path(
        "deliberation/statements/<int:statement_id>/translate/",
        conversations.translate,
        name="statement_translate",
    ),
    path(
        "deliberation/statements/<int:statement_id>/propose/",
        conversations.propose,
        name="statement_propose",
    ),
    path(
        "deliberation/translations/<int:translation_id>/decide/",
        conversations.translation_decide,
        name="translation_decide",
    ),
]
