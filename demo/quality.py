"""Which requests the fleet's users rate, and how: thumbs up or down on the answer, now and then a comment.

Pure: a trace's feedback is drawn from a `random.Random` seeded by its trace id, so the same traffic
always gets the same feedback. Users rate a share of the chat assistant's and the support agent's
answers (the services with a person in front of them); an answer that failed is rated down. The rating
names the call that wrote the answer (the trace's last model-call span). Evaluations are not here: they
travel on the spans themselves as `gen_ai.evaluation.result` events (demo/trees.py).
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from client.models.feedback import FeedbackItem
from demo.spans import TracePlan

RATED_SERVICES = {"chat-assistant": 0.08, "support-agent": 0.15}  # share of requests a user rates
POSITIVE_SHARE = 0.8
COMMENTS = {"thumbs_up": ("spot on", "thanks, that solved it", ""),
            "thumbs_down": ("wrong order number", "did not answer my question", "too slow", "")}


def feedback(traces: Iterable[TracePlan]) -> list[FeedbackItem]:
    """The feedback users give on `traces`."""
    items = []
    for plan in traces:
        share = RATED_SERVICES.get(plan.service)
        calls = [s for s in plan.spans if "gen_ai.request.model" in s.attributes]
        rng = random.Random(plan.trace_id)
        if share is None or not calls or rng.random() >= share:
            continue
        answer = calls[-1]
        up = answer.error is None and rng.random() < POSITIVE_SHARE
        label = "thumbs_up" if up else "thumbs_down"
        items.append(FeedbackItem(trace_id=plan.trace_id, span_id=answer.span_id, name="thumbs",
                                  value=1.0 if up else -1.0, label=label, comment=rng.choice(COMMENTS[label]),
                                  user=plan.user))
    return items
