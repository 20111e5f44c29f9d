"""The event index: every event of a deployment's contracts in an embedded
DuckDB file, incremental and reorg-safe.

Contracts: every field of the deployment record (credstack.deployments.
Deployment) whose metadata names a contract type (registry, renderer,
council, timelock, pathway registry, and any added the same way); events:
those types' compiled ABIs. Nothing is listed by hand.

Use::

    index = Index.open(deployment)            # out/index/<chain id>-<registry>.duckdb
    result = index.sync(for_provider(chain.provider))   # -> SyncResult
    index.connection.sql("FROM credential_issued")      # duckdb
    index.tables()                                      # event table names

SCHEMA (version ``SCHEMA_VERSION``; a file of another version, or of another
contract or event set, is emptied and synced again; a file of another chain
id or registry is refused, naming both).

Event tables, one per event, named snake_case of the event name
(``CredentialIssued`` -> ``credential_issued``). Where two contract types
declare one name with different inputs, each variant's table is prefixed
with the snake_case contract type(s) declaring it (``council_x``,
``timelock_x``); the same name with the same inputs is one table, told
apart by ``contract`` (``role_granted`` holds the registry's and the
timelock's). Anonymous events are left out (no topic identifies them).

Leading columns of every event table::

    block_number UBIGINT     block_time TIMESTAMP (UTC)
    tx_hash      VARCHAR     ('0x' + lowercase hex)
    log_index    UINTEGER    address VARCHAR (EIP-55, the emitting contract)
    contract     VARCHAR     (contract type, e.g. 'CredentialRegistry')

then one column per event input, named snake_case of its ABI name (leading
and trailing underscores stripped; ``arg<i>`` when unnamed; ``arg_`` in
front of a name a leading column has; ``_<i>`` after a repeat), typed:
address -> VARCHAR EIP-55; bool -> BOOLEAN; uintN/intN, N <= 64 ->
UBIGINT/BIGINT, larger -> UHUGEINT/HUGEINT (a value that does not fit is
NULL, and the sync logs a warning naming event, block and field); bytes and
bytesN -> VARCHAR '0x' hex; string -> VARCHAR (invalid UTF-8 replaced by
U+FFFD); arrays -> LIST of the element type; tuples -> STRUCT (fields named
as columns are). An indexed string, bytes, array or tuple is only its
keccak hash on chain: VARCHAR '0x' hex of the topic.

Bookkeeping tables:

- ``_meta`` (one row): schema_version, chain_id, registry (EIP-55),
  deployment_block, deployment_block_hash, contracts (JSON address ->
  type), events (JSON of the tables), ``final_block`` (every row at or below
  it is final) and ``synced_block`` (the last block read, tail included).
- ``_blocks``: number, hash, time of every block that has rows and of each
  chunk's last block: the reorg check.
- ``_events``: table, event, signature, topic0, contracts, columns (JSON
  [name, type]): what each table holds.

Final and tail: blocks at or below the node's ``finalized`` block (else
head less ``confirmations``, default 12; 0 on local chains, ids 1337 and
31337) are final. The unconfirmed tail (rows above ``_meta.final_block``)
sits in the same tables and is deleted and read again at the start of every
sync. ``FROM credential_issued`` is every row; ``FROM final.credential_issued``
(a view per table in schema ``final``) only the final ones.

Sync: raw ``eth_getLogs`` over all the deployment's addresses at once, the
block range halved when the node refuses it or times out and doubled while
answers are small; each block's header (hash, timestamp) fetched once, in
batch requests; logs decoded per event type (static data sliced, the rest
through eth_abi). Each range commits in one DuckDB transaction (rows,
blocks, ``_meta``), so a sync interrupted anywhere resumes after the last
committed range. At start the stored hash of the last final block is
checked against the chain; on a mismatch the highest stored block the chain
still has is the fork point, everything above it goes, and the sync goes
on from there. A request the node does not answer is retried with backoff
(0.5, 1, 2, 4, 8 s), then NodeError: one line, the index at its last
committed range.
"""

from credstack.index.rpc import HttpRpc, NodeError, Rpc, Web3Rpc, for_provider
from credstack.index.schema import SCHEMA_VERSION, EventTable, event_tables
from credstack.index.store import Index, IndexFileError, SyncResult, default_path

__all__ = [
    "SCHEMA_VERSION",
    "EventTable",
    "HttpRpc",
    "Index",
    "IndexFileError",
    "NodeError",
    "Rpc",
    "SyncResult",
    "Web3Rpc",
    "default_path",
    "event_tables",
    "for_provider",
]
