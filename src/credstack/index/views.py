"""The analyst's views over the event tables: ``credentials`` (one row per
issued token, its current state and its history) and ``learners`` (wallets
joined through CredentialRecovered into one learner), with the helpers they
stand on. The definitions are README's "Metrics" section.

The window. Every view reads the event tables through schema ``windowed``
(a view per event table: ``windowed.credential_issued`` ...), which keeps
the rows with ``since <= block_time <= end`` where ``since`` and ``end`` are
the DuckDB variables ``credstack_since`` and ``credstack_end``
(``SET VARIABLE``; unset: no bound). ``credstack.analytics.metrics`` sets
them to its window; a plain connection sees everything. "Now" for
``status_now`` is ``credstack_end``, else the time of the index's last
synced block.

What a class is (``class_created``) and which class a token is of are read
whatever ``since`` is (up to ``end``): they define things, they are not
activity.

Schema ``analytics`` holds the helpers: ``analytics.bounds`` (one row:
end_time), ``analytics.credential_state`` (``credentials`` without its
history: what the metrics read), ``analytics.market_transfers`` (ERC-721 transfers of tokens of
transferable classes, sender and receiver both non-zero, not a recovery:
no CredentialRecovered of the token in the same transaction).

Positions: an event's place in chain order is ``block_number * 2**32 +
log_index`` (UBIGINT; block numbers below 2**32)."""

from __future__ import annotations

import duckdb

from credstack.index.schema import quote

ZERO = "0x0000000000000000000000000000000000000000"

# The registry's tables the views read; without them (an index of other
# contracts) only the windowed views are made.
NEEDED = (
    "class_created",
    "credential_issued",
    "credential_revoked",
    "credential_suspended",
    "credential_reinstated",
    "credential_renewed",
    "credential_burned",
    "credential_recovered",
    "transfer",
)

SINCE = "coalesce(getvariable('credstack_since'), '-infinity'::TIMESTAMP)"
END = "coalesce(getvariable('credstack_end'), 'infinity'::TIMESTAMP)"
POS = "(block_number * 4294967296 + log_index)"

BOUNDS = """
CREATE OR REPLACE VIEW analytics.bounds AS
SELECT coalesce(
    getvariable('credstack_end'),
    (SELECT b.time FROM main._blocks b JOIN main._meta m ON b.number = m.synced_block),
    (SELECT max(time) FROM main._blocks)
) AS end_time
"""

MARKET_TRANSFERS = f"""
CREATE OR REPLACE VIEW analytics.market_transfers AS
WITH tradable AS (
    SELECT i.token_id, i.class_id
    FROM main.credential_issued i
    JOIN main.class_created c ON c.class_id = i.class_id AND c.transferable
    WHERE i.block_time <= {END} AND c.block_time <= {END}
)
SELECT t.block_number, t.block_time, t.tx_hash, t.log_index, {POS} AS pos,
       t.token_id, k.class_id, t.sender, t.receiver
FROM windowed.transfer t
JOIN tradable k ON k.token_id = t.token_id
WHERE t.contract = 'CredentialRegistry'
  AND t.sender <> '{ZERO}' AND t.receiver <> '{ZERO}'
  -- Sent to one of the deployment's own contracts (a pass redeemed at the
  -- membership contract): used, not sold.
  AND t.receiver NOT IN (SELECT unnest(json_keys(contracts)) FROM main._meta)
  AND NOT EXISTS (
      SELECT 1 FROM windowed.credential_recovered r
      WHERE r.token_id = t.token_id AND r.tx_hash = t.tx_hash
  )
"""

LEARNERS = f"""
CREATE OR REPLACE VIEW learners AS
WITH RECURSIVE
appear AS (
    SELECT holder AS wallet, {POS} AS pos, block_time FROM windowed.credential_issued
    UNION ALL
    SELECT new_holder, {POS}, block_time FROM windowed.credential_recovered
),
wallets AS (
    SELECT wallet, min(pos) AS pos, min(block_time) AS first_seen FROM appear GROUP BY wallet
),
edges AS (
    SELECT old_holder AS a, new_holder AS b FROM windowed.credential_recovered
    UNION
    SELECT new_holder, old_holder FROM windowed.credential_recovered
),
-- Only wallets with recovery edges (few): every node's reachable set.
reach(node, other) AS (
    SELECT DISTINCT a, a FROM edges
    UNION
    SELECT r.node, e.b FROM reach r JOIN edges e ON e.a = r.other
),
joined AS (
    SELECT r.node, arg_min(w.wallet, w.pos) AS learner
    FROM reach r JOIN wallets w ON w.wallet = r.other
    GROUP BY r.node
),
labelled AS (
    SELECT w.wallet, coalesce(j.learner, w.wallet) AS learner, w.first_seen
    FROM wallets w LEFT JOIN joined j ON j.node = w.wallet
)
SELECT wallet, learner, first_seen, count(*) OVER (PARTITION BY learner) AS wallets
FROM labelled
"""

STATE = f"""
WITH
issued AS (
    SELECT token_id, class_id, holder, score, expires_at, block_time, {POS} AS pos
    FROM windowed.credential_issued
),
renewed AS (
    SELECT token_id, arg_max(expires_at, {POS}) AS expires_at, count(*) AS renewals
    FROM windowed.credential_renewed GROUP BY token_id
),
revoked AS (
    SELECT token_id, min(block_time) AS revoked_at, arg_min(reason, {POS}) AS reason
    FROM windowed.credential_revoked GROUP BY token_id
),
burned AS (
    SELECT token_id, min(block_time) AS burned_at FROM windowed.credential_burned GROUP BY token_id
),
switches AS (
    SELECT token_id, true AS suspended, {POS} AS pos FROM windowed.credential_suspended
    UNION ALL
    SELECT token_id, false, {POS} FROM windowed.credential_reinstated
),
suspension AS (
    SELECT token_id, count(*) FILTER (WHERE suspended) AS suspensions,
           arg_max(suspended, pos) AS suspended_now
    FROM switches GROUP BY token_id
),
market AS (
    SELECT token_id, count(*) AS transfers FROM {{market}} GROUP BY token_id
),
owners AS (
    SELECT token_id, holder AS owner, pos FROM issued
    UNION ALL
    SELECT token_id, receiver, pos FROM {{market}}
    UNION ALL
    SELECT token_id, new_holder, {POS} FROM windowed.credential_recovered
),
owner AS (
    SELECT token_id, arg_max(owner, pos) AS owner FROM owners GROUP BY token_id
),
joined AS (
    SELECT i.token_id, i.class_id, i.holder AS issued_to, l.learner,
           CASE WHEN v.revoked_at IS NULL AND b.burned_at IS NULL THEN o.owner END AS holder_now,
           i.block_time AS issued_at, i.score,
           coalesce(r.expires_at, i.expires_at) AS expires_at,
           v.revoked_at, v.reason AS revoke_reason, b.burned_at,
           coalesce(u.suspended_now, false) AS suspended_now,
           coalesce(u.suspensions, 0) AS suspensions,
           coalesce(r.renewals, 0) AS renewals,
           coalesce(m.transfers, 0) AS transfers
    FROM issued i
    LEFT JOIN {{learners}} l ON l.wallet = i.holder
    LEFT JOIN renewed r ON r.token_id = i.token_id
    LEFT JOIN revoked v ON v.token_id = i.token_id
    LEFT JOIN burned b ON b.token_id = i.token_id
    LEFT JOIN suspension u ON u.token_id = i.token_id
    LEFT JOIN market m ON m.token_id = i.token_id
    LEFT JOIN owner o ON o.token_id = i.token_id
)
SELECT *,
       CASE
           WHEN revoked_at IS NOT NULL THEN 'revoked'
           WHEN burned_at IS NOT NULL THEN 'burned'
           WHEN suspended_now THEN 'suspended'
           WHEN expires_at <> 0 AND expires_at <= epoch((SELECT end_time FROM analytics.bounds))
               THEN 'expired'
           ELSE 'active'
       END AS status_now
FROM joined
"""


def state_sql(learners: str = "learners", market: str = "analytics.market_transfers") -> str:
    """The query of ``analytics.credential_state`` over the given learners
    and market-transfer relations (the metrics run it over snapshots)."""
    return STATE.format(learners=learners, market=market)


# History: sorted with list_sort on (pos, ...) structs, far quicker than an
# ordered aggregate over many small groups.
CREDENTIALS = f"""
CREATE OR REPLACE VIEW credentials AS
WITH
events AS (
    SELECT token_id, {POS} AS pos, block_time AS moment, 'issued' AS event, holder
    FROM windowed.credential_issued
    UNION ALL
    SELECT token_id, pos, block_time, 'transferred', receiver FROM analytics.market_transfers
    UNION ALL
    SELECT token_id, {POS}, block_time, 'recovered', new_holder FROM windowed.credential_recovered
    UNION ALL
    SELECT token_id, {POS}, block_time, 'suspended', holder FROM windowed.credential_suspended
    UNION ALL
    SELECT token_id, {POS}, block_time, 'reinstated', holder FROM windowed.credential_reinstated
    UNION ALL
    SELECT token_id, {POS}, block_time, 'renewed', holder FROM windowed.credential_renewed
    UNION ALL
    SELECT token_id, {POS}, block_time, 'revoked', holder FROM windowed.credential_revoked
    UNION ALL
    SELECT token_id, {POS}, block_time, 'burned', holder FROM windowed.credential_burned
),
story AS (
    SELECT token_id,
           list_transform(
               list_sort(list({{'pos': pos, 'at': moment, 'event': event, 'holder': holder}})),
               x -> {{'at': x.at, 'event': x.event, 'holder': x.holder}}
           ) AS history
    FROM events GROUP BY token_id
)
SELECT s.*, h.history
FROM analytics.credential_state s LEFT JOIN story h ON h.token_id = s.token_id
"""


def main_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The index's tables (schema main of the open database)."""
    return {
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' "
            "AND database_name = current_database()"
        ).fetchall()
    }


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create schema ``windowed`` (every event table bounded by the
    window variables), the ``analytics`` helpers and the views
    ``credentials`` and ``learners``; idempotent."""
    tables = main_tables(con)
    events = [
        str(r[0])
        for r in con.execute('SELECT "table" FROM main._events ORDER BY 1').fetchall()
        if str(r[0]) in tables
    ]
    con.execute("CREATE SCHEMA IF NOT EXISTS windowed")
    con.execute("CREATE SCHEMA IF NOT EXISTS analytics")
    for table in events:
        con.execute(
            f"CREATE OR REPLACE VIEW windowed.{quote(table)} AS SELECT * FROM main.{quote(table)} "
            f"WHERE block_time >= {SINCE} AND block_time <= {END}"
        )
    if not set(NEEDED) <= set(events):
        return
    for sql in (BOUNDS, MARKET_TRANSFERS, LEARNERS):
        con.execute(sql)
    con.execute(f"CREATE OR REPLACE VIEW analytics.credential_state AS {state_sql()}")
    con.execute(CREDENTIALS)
