#!/usr/bin/env python3
"""Generates one random layered DAG in the forms the runtime benchmarks compare:
flow IR JSON (command or sim agent steps), a build.ninja, and a Snakefile.

usage: gen_dag.py --steps N --width W --out DIR [--kind command|agent] [--seed S]
Each step in layer k > 0 depends on 1 to 3 random steps of layer k-1.
"""
import argparse
import json
import os
import random


def layered(steps, width, seed):
    rng = random.Random(seed)
    deps, layer_of, layers = [], [], []
    for i in range(steps):
        k = i // width
        if k == len(layers):
            layers.append([])
        prev = layers[k - 1] if k > 0 else []
        d = sorted(rng.sample(prev, min(len(prev), rng.randint(1, 3)))) if prev else []
        deps.append(d)
        layer_of.append(k)
        layers[k].append(i)
    return deps


def write_ir(deps, kind, path):
    nodes = []
    for i, d in enumerate(deps):
        n = {"id": i, "name": f"s{i}", "kind": kind, "stage": "main", "deps": d, "loc": None}
        if kind == "command":
            n["command"] = "true"
        else:
            n["agent"] = "worker"
        nodes.append(n)
    ir = {"version": 3, "name": "bench", "description": "", "source": "", "inputs": [],
          "agents": [{"name": "worker", "role": "worker", "prompt": "Do step work."}],
          "stages": [], "nodes": nodes, "rules": []}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ir, f)


def write_ninja(deps, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write("rule r\n  command = true\n\n")
        for i, d in enumerate(deps):
            extra = (" | " + " ".join(f"s{x}" for x in d)) if d else ""
            f.write(f"build s{i}: r{extra}\n")
        f.write("build all: phony " + " ".join(f"s{i}" for i in range(len(deps))) + "\n")
        f.write("default all\n")


def write_snakefile(deps, path):
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"DEPS = {json.dumps(deps)}\n\n")
        f.write("rule all:\n    input: [f'out/s{i}' for i in range(len(DEPS))]\n\n")
        f.write("rule step:\n"
                "    input: lambda wc: [f'out/s{d}' for d in DEPS[int(wc.i)]]\n"
                "    output: 'out/s{i}'\n"
                "    shell: 'true && touch {output}'\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--kind", default="command", choices=["command", "agent"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--ninja", action="store_true")
    ap.add_argument("--snakemake", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    deps = layered(a.steps, a.width, a.seed)
    write_ir(deps, a.kind, os.path.join(a.out, "dag.json"))
    if a.ninja:
        write_ninja(deps, os.path.join(a.out, "build.ninja"))
    if a.snakemake:
        write_snakefile(deps, os.path.join(a.out, "Snakefile"))


if __name__ == "__main__":
    main()
