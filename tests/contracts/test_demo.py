"""The demo tells the lifecycle story and ends with the statuses it promises."""

import io

from rich.console import Console

from credstack.demo import run_demo, salted_evidence_hash


def test_demo__final_statuses() -> None:
    output = io.StringIO()
    rows = run_demo(Console(file=output, width=120))
    assert [(row.token_id, row.class_name, row.status, row.valid) for row in rows] == [
        (1, "SQL for Data Analysis", "expired", False),
        (2, "SQL for Data Analysis", "revoked", False),
        (3, "SQL for Data Analysis", "suspended", False),
        (4, "SQL for Data Analysis", "active", True),
        (5, "Mentor Workshop Pass", "active", True),
    ]
    text = output.getvalue()
    assert "rejected: credential: score below minimum" in text
    assert "credential: soulbound" in text


def test_salted_evidence_hash__depends_on_salt_and_document() -> None:
    document = b"capstone.pdf bytes"
    first = salted_evidence_hash(document, b"\x01" * 32)
    assert len(first) == 32
    assert first != salted_evidence_hash(document, b"\x02" * 32)
    assert first != salted_evidence_hash(b"other", b"\x01" * 32)
    assert first == salted_evidence_hash(document, b"\x01" * 32)
