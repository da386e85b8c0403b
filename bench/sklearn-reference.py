"""The independent reference of `npm run bench:models` (issue 10): what an ML engineer would pick.

scikit-learn TfidfVectorizer word 1-2-grams + char_wb 2-5-grams (sublinear tf, each block l2-normalised,
stacked side by side as FeatureUnion does) + LinearSVC(C=0.5), trained on the bench's train split and
scored on its test split. Bench tooling only: the product stays TypeScript.

Usage: python sklearn-reference.py <train.jsonl> <test.jsonl> <result.json>
Each JSONL line: {"text": "...", "label": <class index 0..26>}.
"""

import json
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, f1_score
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC


def read(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            labels.append(row["label"])
    return texts, np.array(labels)


def main():
    train_path, test_path, out_path = sys.argv[1:4]
    train_texts, train_labels = read(train_path)
    test_texts, test_labels = read(test_path)
    started = time.perf_counter()
    model = make_pipeline(
        make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        ),
        LinearSVC(C=0.5),
    )
    model.fit(train_texts, train_labels)
    train_seconds = time.perf_counter() - started
    started = time.perf_counter()
    margins = model.decision_function(test_texts)
    infer_ms = (time.perf_counter() - started) * 1000 / max(1, len(test_texts))
    classes = model.classes_
    predicted = classes[np.argmax(margins, axis=1)]
    top3 = classes[np.argsort(-margins, axis=1)[:, :3]]
    union = model.steps[0][1]
    features = sum(len(t.vocabulary_) for _, t in union.transformer_list)
    result = {
        "model": "sklearn tfidf word 1-2 + char_wb 2-5 (sublinear) + LinearSVC(C=0.5)",
        "sklearnVersion": sklearn.__version__,
        "trainRows": len(train_texts),
        "testProducts": len(test_texts),
        "features": features,
        "weightedF1": f1_score(test_labels, predicted, average="weighted"),
        "macroF1": f1_score(test_labels, predicted, average="macro"),
        "accuracy": accuracy_score(test_labels, predicted),
        "top3Accuracy": float(np.mean([label in row for label, row in zip(test_labels, top3)])),
        "trainSeconds": train_seconds,
        "inferenceMsPerProduct": infer_ms,
        # ru_maxrss is in KiB on Linux.
        "peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)


if __name__ == "__main__":
    main()
