"""Hooks of .ci/schemathesis.sh.

JSON Schema cannot say that the events of a batch have contiguous, ascending seqs: the document says it in words,
and the platform refuses a batch that breaks it with 400. The fuzzing phase numbers generated batches contiguously,
and a refusal for exactly that reason is not counted as a schema-valid request refused (the run's summary lists
how many were dropped). Every other refusal still fails the run.

Likewise numbers are leased only for yesterday, today or tomorrow in the hall's time zone (UTC+8), also said in
words: a generated lease request whose business_day is a real date asks for today instead, and a 400 for a day
outside that window (the document's examples and the coverage phase, which the mapping does not reach) is not
counted either.

`GET /v1/applications` takes exactly one of its two query parameters (`citizen_ref`, `number`), also said in
words: a 400 for both or neither is not counted.
"""

import datetime
import json

import schemathesis

APPLICATIONS = "/v1/applications"
ONE_KEY_REFUSAL = "give exactly one of the query parameters"
EVENTS = "/v1/kiosks/{id}/events"
LEASES = "/v1/kiosks/{id}/ticket-leases"
HALL_TZ = datetime.timezone(datetime.timedelta(hours=8))
I64_MAX = 2**63 - 1
CONTIGUITY_REFUSAL = "events must be contiguous and ascending"
DAY_WINDOW_REFUSAL = "is outside the leasable days"


def _is_events(context):
    return context.operation is not None and context.operation.path == EVENTS


def _lease_for_today(body):
    """A lease request for a real date asks for today (the hall's) instead."""
    day = body.get("business_day")
    if isinstance(day, str):
        try:
            datetime.date.fromisoformat(day)
        except ValueError:
            return body
        if len(day) == 10:
            body["business_day"] = datetime.datetime.now(HALL_TZ).date().isoformat()
    return body


@schemathesis.hook
def map_body(context, body):
    """Number a generated batch's events contiguously from its first seq, when every seq is a valid one; lease
    requests for a real date ask for today."""
    if not isinstance(body, dict):
        return body
    if context.operation is not None and context.operation.path == LEASES:
        return _lease_for_today(body)
    if not _is_events(context):
        return body
    events = body.get("events")
    if not isinstance(events, list) or not events:
        return body
    if not all(isinstance(e, dict) and type(e.get("seq")) is int and 1 <= e["seq"] <= I64_MAX for e in events):
        return body
    first = min(events[0]["seq"], I64_MAX - len(events) + 1)
    for offset, event in enumerate(events):
        event["seq"] = first + offset
    return body


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keep every failure but a 400 for non-contiguous seqs on a schema-valid batch, or for a lease day outside
    yesterday..tomorrow."""
    path = case.operation.path
    if getattr(failure, "code", None) != "ST202" or path not in (EVENTS, LEASES, APPLICATIONS) \
            or response.status_code != 400:
        return True
    try:
        reason = json.loads(response.content).get("error", "")
    except (ValueError, AttributeError):
        return True
    if path == LEASES:
        return DAY_WINDOW_REFUSAL not in reason
    if path == APPLICATIONS:
        return not reason.startswith(ONE_KEY_REFUSAL)
    return not reason.startswith(CONTIGUITY_REFUSAL)
