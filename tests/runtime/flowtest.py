"""What the end-to-end tests of `flow` share: checks that collect failures instead of stopping
at the first, and flow IR written by hand (docs/ir.md)."""
import json

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL: {what}")


def node(i, name, kind, deps, **extra):
    n = {"id": i, "name": name, "kind": kind, "stage": "main", "deps": deps, "loc": None}
    n.update(extra)
    return n


def write_ir(path, nodes, inputs=(), agents=("planner", "critic"), name="demo", model="sonnet"):
    """Writes an IR file; the agent named `critic` is a reviewer, the others workers. `model`
    None leaves the agents' model out."""
    def agent(a):
        out = {"name": a, "role": "reviewer" if a == "critic" else "worker"}
        if model is not None:
            out["model"] = model
        out["prompt"] = f"You are the {a}."
        return out
    ir = {"version": 3, "name": name, "description": "", "source": "", "inputs": list(inputs),
          "agents": [agent(a) for a in agents], "stages": [], "nodes": nodes, "rules": []}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(ir, f)
    return path
