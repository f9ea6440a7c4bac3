"""Alerts: what is firing or pending now and why, what fired in the range, what is silenced, and whether the
receivers got the notifications.

Reads the alerting API only (alerts, history, rules, silences, notifications) and writes through it with the
dashboard's admin key: a silence made from an alert's labels or from typed matchers, a silence expired, a dead
notification replayed. An alert's evidence links the traces it names to the Requests page. The time range (in the
URL, shared with the other pages) bounds the history and the deliveries; the current alerts and silences are
always now's.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from client.api import ApiClient
from client.models.alerts import AlertInstance, SilenceInfo, SilenceRequest
from client.models.notifications import NotificationInfo
from dashboard import format as fmt
from dashboard import page, writes
from dashboard.controls import range_words, time_range
from dashboard.expanders import lazy_expander
from dashboard.figures import alerts as af
from dashboard.figures.common import PLOTLY_CONFIG

TITLE = "Alerts"
DURATIONS = ("30m", "1h", "2h", "4h", "8h", "1d", "3d", "7d")
DEFAULT_DURATION = "2h"


def render() -> None:
    """The page; `app.py` registers it with `st.navigation`."""
    page.run(TITLE, _page)


def _page(api: ApiClient) -> None:
    with st.sidebar:
        st.subheader("Filters")
        since = time_range()
    by = writes.actor()
    writes.show_done()
    alerts = af.ordered(api.alerts(status=("firing", "pending")).alerts)
    silences = api.silences().silences
    notifications = api.notifications(since=since, limit=500).notifications
    for col, (label, value) in zip(st.columns(4), af.tiles(alerts, silences, notifications).items(), strict=True):
        col.metric(label, value, border=True)
    _active(api, alerts, by)
    _history(api, since)
    _silences(api, silences, by)
    _deliveries(api, notifications, since)
    _rules(api)


def _active(api: ApiClient, alerts: list[AlertInstance], by: str) -> None:
    st.subheader("Firing and pending")
    if not alerts:
        st.success("Nothing is firing or pending.", icon=":material/check_circle:")
        return
    st.dataframe(af.alert_rows(alerts), hide_index=True, key="active_alerts")
    st.caption("Open an alert for its evidence, the traces it names and a silence made from its labels.")
    for alert in alerts:
        with lazy_expander(af.title(alert), f"alert_{alert.fingerprint}", ":material/notifications_active:") as shown:
            if shown:
                _alert(api, alert, by)


def _alert(api: ApiClient, alert: AlertInstance, by: str) -> None:
    st.markdown(f"**{alert.annotations.get('summary') or alert.rule}**")
    if alert.annotations.get("description"):
        st.markdown(alert.annotations["description"])
    threshold = f" (threshold {fmt.quantity(alert.threshold)})" if alert.threshold is not None else ""
    st.caption(f"value {fmt.quantity(alert.value)}{threshold} · {alert.status} since "
               f"{fmt.timestamp(af.since(alert))} UTC · pending since {fmt.timestamp(alert.active_since)} UTC"
               + (f" · runbook `{alert.runbook}`" if alert.runbook else "")
               + (f" · {af.muted(alert)}" if af.muted(alert) else ""))
    traces = af.evidence_traces(alert.evidence)
    if traces:
        st.markdown("Traces in the evidence: " + ", ".join(af.trace_link(t) for t in traces))
    left, right = st.columns(2)
    left.caption("Labels")
    left.json(alert.labels, expanded=True)
    right.caption("Evidence")
    right.json(alert.evidence, expanded=False)
    _silence_form(api, by, f"silence_{alert.fingerprint}", "\n".join(af.silence_matchers(alert.labels)),
                  f"Silence {alert.rule}")


def _silence_form(api: ApiClient, by: str, key: str, matchers: str, button: str) -> None:
    """Matchers (one per line), duration and comment; the author is the sidebar's "Acting as"."""
    with st.form(key):
        text = st.text_area("Matchers", matchers, placeholder='alertname="cost-spike"\nservice=~"chat-.*"',
                            help='One per line: name="value", name!="value", name=~"regex", name!~"regex"')
        duration_col, comment_col = st.columns([1, 3])
        duration = duration_col.selectbox("Duration", DURATIONS, index=DURATIONS.index(DEFAULT_DURATION))
        comment = comment_col.text_input("Comment", placeholder="why, and the ticket or incident")
        if st.form_submit_button(button, icon=":material/notifications_off:"):
            request = SilenceRequest(matchers=af.typed_matchers(text), created_by=by, comment=comment.strip(),
                                     duration=duration)
            writes.perform(api, f"Silenced {', '.join(request.matchers)} for {duration}.",
                           lambda: api.add_silence(request))


def _history(api: ApiClient, since: str) -> None:
    st.subheader("History")
    history = api.alert_history(since=since)
    if not history.events:
        st.info(f"No alert changed state in the {range_words(since)}.", icon=":material/history:")
        return
    st.plotly_chart(af.history_figure(history), key="alert_history", config=PLOTLY_CONFIG)
    with lazy_expander(f"{fmt.count(len(history.events))} transitions", "transitions", ":material/list:") as shown:
        if shown:
            st.dataframe(af.history_rows(history), hide_index=True, key="alert_transitions")


def _silences(api: ApiClient, silences: list[SilenceInfo], by: str) -> None:
    st.subheader("Silences")
    current = [s for s in silences if s.state != "expired"]
    for silence in current:
        text, button = st.columns([6, 1])
        text.markdown(f"**{silence.state}** · `{', '.join(silence.matchers)}` · until "
                      f"{fmt.timestamp(silence.ends_at)} UTC · by {silence.created_by}: {silence.comment}")
        if button.button("Expire", key=f"expire_{silence.id}", icon=":material/timer_off:"):
            writes.perform(api, f"Expired silence {silence.id}.", partial(api.expire_silence, silence.id))
    if not current:
        st.caption("No active or pending silence.")
    with lazy_expander("New silence from matchers", "new_silence", ":material/add_alert:") as shown:
        if shown:
            _silence_form(api, by, "silence_new", "", "Create silence")
    expired = [s for s in silences if s.state == "expired"]
    if expired:
        with lazy_expander(f"{len(expired)} expired silences", "expired", ":material/history:") as shown:
            if shown:
                st.dataframe(af.silence_rows(expired), hide_index=True, key="expired_silences")


def _deliveries(api: ApiClient, notifications: list[NotificationInfo], since: str) -> None:
    st.subheader("Notifications")
    if not notifications:
        st.info(f"No notification was sent in the {range_words(since)}. Receivers and the route are set in "
                "`alerts.receivers` and `alerts.route` (README, Receivers).", icon=":material/outgoing_mail:")
        return
    st.dataframe(af.receiver_rows(notifications), hide_index=True, key="receivers")
    dead = [n for n in notifications if n.state == "dead"]
    if dead:
        st.markdown(f"**Dead letters** ({len(dead)}): delivery gave up; replay sends one again under the same id.")
    for letter in dead:
        text, button = st.columns([6, 1])
        text.markdown(f"`{letter.receiver}` · {letter.status} · {af.labels_text(letter.group_labels, hide=())} · "
                      f"last tried {fmt.timestamp(letter.updated_at)} UTC · {letter.last_error or 'no error recorded'}")
        if button.button("Replay", key=f"replay_{letter.id}", icon=":material/replay:"):
            writes.perform(api, f"Replaying notification {letter.id} to {letter.receiver}.",
                           partial(api.replay_notification, letter.id))
    with lazy_expander(f"{len(notifications)} notifications", "all_notifications", ":material/list:") as shown:
        if shown:
            st.dataframe(af.notification_rows(notifications), hide_index=True, key="notifications")


def _rules(api: ApiClient) -> None:
    rules = api.rules()
    if rules.error:
        st.error(f"An edited rule file was not loaded: {rules.error}", icon=":material/error:")
    with lazy_expander(f"{len(rules.rules)} rules in force", "rules_in_force", ":material/rule:") as shown:
        if shown:
            st.dataframe(af.rule_rows(rules), hide_index=True, key="rules")
