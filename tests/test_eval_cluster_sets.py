"""The clustering eval's reader of Multi-News clusters (summarization data used as clustering data)."""
import json

from newsdesk.eval.cluster import load_set, scores


def test_multinews_clusters_become_labelled_articles(tmp_path):
    path = tmp_path / "mn.jsonl"
    clusters = [
        {"cluster_id": "aaaa1111bbbb2222", "refs": ["x"], "docs": [
            {"text": "Storm hits coast. NEWLINE_CHAR NEWLINE_CHAR Thousands lose power."},
            {"text": "Coastal storm cuts power NEWLINE_CHAR to thousands."}]},
        {"cluster_id": "cccc3333dddd4444", "refs": ["y"], "docs": [{"text": "Court rules on merger."}]},
    ]
    path.write_text("".join(json.dumps(c) + "\n" for c in clusters))
    items = load_set("multinews", path)
    assert len(items) == 3
    by_id = {r["id"]: (r, gold) for r, gold in items}
    assert set(by_id) == {"aaaa1111bbbb-0", "aaaa1111bbbb-1", "cccc3333dddd-0"}
    record, gold = by_id["aaaa1111bbbb-0"]
    assert gold == "aaaa1111bbbb2222"
    assert record["text"] == "Storm hits coast.\nThousands lose power."  # the marker is a paragraph break
    assert "NEWLINE_CHAR" not in "".join(r["text"] for r, _ in items)
    # the gold makes a scorable partition: itself scores 1
    golds = [g for _, g in items]
    assert scores(golds, golds)["bcubed_f1"] == 1.0
