"""The routing tree: depth-first matching, `continue`, inheritance, group keys, and refused configurations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from alerts.routing import RouteConfig, check_root, compile_route, group_key, group_labels, receivers


def tree(config: dict):
    return compile_route(check_root(RouteConfig.model_validate(config)))


TREE = {
    "receiver": "default", "group_by": ["alertname"], "group_wait": "10s",
    "routes": [
        {"matchers": ['severity="critical"'], "receiver": "pager", "continue": True, "repeat_interval": "1h"},
        {"matchers": ['team=~"ml|ai"'], "receiver": "ml", "group_by": ["alertname", "service"],
         "routes": [{"matchers": ['service="chat"'], "receiver": "chat", "group_interval": "1m"}]},
        {"matchers": ['team="ml"'], "receiver": "never"},  # shadowed: the ml route above takes ml first
    ],
}


def taken(root, **labels) -> list[str]:
    return [node.receiver for node in root.match(labels)]


def test_no_matching_child_leaves_the_alert_at_the_root():
    assert taken(tree(TREE), team="web") == ["default"]


def test_the_first_matching_child_wins_and_siblings_after_it_are_not_tried():
    assert taken(tree(TREE), team="ml") == ["ml"]


def test_continue_lets_the_next_siblings_match_too():
    assert taken(tree(TREE), severity="critical", team="ai") == ["pager", "ml"]
    assert taken(tree(TREE), severity="critical") == ["pager"]  # nothing after it matched: not the root


def test_the_deepest_matching_node_takes_the_alert():
    assert taken(tree(TREE), team="ml", service="chat") == ["chat"]


def test_children_inherit_what_they_do_not_set():
    root = tree(TREE)
    pager, ml = root.routes[0], root.routes[1]
    chat = ml.routes[0]
    assert pager.group_wait == timedelta(seconds=10) and pager.group_interval == timedelta(minutes=5)
    assert pager.repeat_interval == timedelta(hours=1) and pager.group_by == ("alertname",)
    assert chat.group_by == ("alertname", "service") and chat.group_interval == timedelta(minutes=1)
    assert chat.repeat_interval == timedelta(hours=4) and chat.receiver == "chat"
    assert receivers(root) == {"default", "pager", "ml", "chat", "never"}


def test_the_root_takes_alertmanagers_defaults_and_sends_nowhere_until_given_a_receiver():
    root = tree({})
    assert root.receiver is None and root.group_by == ("alertname",)
    assert (root.group_wait, root.group_interval, root.repeat_interval) == (
        timedelta(seconds=30), timedelta(minutes=5), timedelta(hours=4))


def test_group_keys_name_the_route_and_the_group_labels_like_alertmanager():
    root = tree(TREE)
    chat = root.routes[1].routes[0]
    labels = {"alertname": "cost-spike", "service": "chat", "team": "ml", "model": "x"}
    assert group_key(chat, group_labels(labels, chat.group_by)) == \
        '{}/{team=~"ml|ai"}/{service="chat"}:{alertname="cost-spike",service="chat"}'
    assert group_key(root, group_labels({"team": "ml"}, root.group_by)) == "{}:{}"  # absent labels are left out
    assert group_labels(labels, ["..."]) == labels


def test_siblings_with_the_same_matchers_get_distinct_ids():
    root = tree({"receiver": "a", "routes": [{"matchers": ["x=1"], "receiver": "b"},
                                               {"matchers": ["x=1"], "receiver": "c"}]})
    assert [r.id for r in root.routes] == ['{}/{x="1"}/0', '{}/{x="1"}/1']


@pytest.mark.parametrize(("config", "problem"), [
    ({"matchers": ["a=b"]}, "root route matches every alert"),
    ({"continue": True}, "root route cannot have continue"),
    ({"routes": [{"matchers": ["team"]}]}, "is not a matcher"),
    ({"group_wait": "5 minutes"}, "is not a duration"),
    ({"group_interval": "0"}, "must be more than 0"),
    ({"group_by": ["...", "team"]}, "cannot be combined"),
    ({"routes": [{"recevier": "x"}]}, "Extra inputs are not permitted"),
    ({"repeat_interval": "1h1h"}, "give each unit once"),
])
def test_malformed_routes_are_refused_with_the_reason(config, problem):
    with pytest.raises((ValidationError, ValueError), match=problem):
        tree(config)
