"""The event index (placeholder docstring, written below)."""

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
