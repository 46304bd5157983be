"""Generate chartguard/rules/reval/k8s_types.json: the JSON shape of the Kubernetes Go API types.

helm-reval decodes rendered objects into the Go types of client-go's scheme (k8s.io/api v0.33.3)
and re-encodes them with Go's JSON encoder. To do the same, chartguard needs, for every type
reachable from a registered kind: its JSON fields in Go declaration order, each field's type, and
whether it is ``omitempty``. This script reads that from the Go sources (git mirrors of
kubernetes/api, kubernetes/apimachinery and kubernetes/client-go at one tag) and writes a
compact table. It is a development tool: run it only to move to another Kubernetes version.

    python tools/gen_k8s_types.py --api MIRROR --apimachinery MIRROR --client-go MIRROR [--tag v0.33.3]

Type expressions in the table: ``s`` string, ``b`` bool, ``i`` integer (with a range suffix:
``i32``, ``i64``, ``u8``...), ``f`` float, ``y`` []byte (base64), ``q`` resource.Quantity,
``n`` intstr.IntOrString, ``t`` metav1.Time, ``m`` metav1.MicroTime, ``d`` metav1.Duration,
``r`` raw JSON (runtime.RawExtension, metav1.FieldsV1), ``*X`` pointer, ``[]X`` slice,
``{}X`` map with string keys, ``pkg.Type`` a struct. Field flags: 1 = omitempty.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

SPECIAL = {
    "k8s.io/apimachinery/pkg/api/resource.Quantity": "q",
    "k8s.io/apimachinery/pkg/util/intstr.IntOrString": "n",
    "k8s.io/apimachinery/pkg/apis/meta/v1.Time": "t",
    "k8s.io/apimachinery/pkg/apis/meta/v1.MicroTime": "m",
    "k8s.io/apimachinery/pkg/apis/meta/v1.Duration": "d",
    "k8s.io/apimachinery/pkg/apis/meta/v1.FieldsV1": "r",
    "k8s.io/apimachinery/pkg/runtime.RawExtension": "r",
    "k8s.io/apimachinery/pkg/types.UID": "s",
    "k8s.io/apimachinery/pkg/types.NodeName": "s",
}
SCALARS = {
    "string": "s", "bool": "b", "int": "i64", "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint": "u64", "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64", "float32": "f", "float64": "f",
    "byte": "u8",
}  # fmt: skip
META = "k8s.io/apimachinery/pkg/apis/meta/v1"
OPTION_KINDS = ("WatchEvent", "ListOptions", "GetOptions", "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions")
UNVERSIONED = ("Status", "APIVersions", "APIGroupList", "APIGroup", "APIResourceList")


def git_show(repo: Path, tag: str, path: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "show", f"{tag}:{path}"], capture_output=True, text=True, check=True).stdout


def git_ls(repo: Path, tag: str, directory: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", f"{tag}:{directory}"], capture_output=True, text=True, check=True
    )
    return [name for name in out.stdout.split() if name.endswith(".go") and not name.endswith("_test.go")]


class Package:
    """Struct and named-type declarations of one Go package."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.structs: dict[str, list[tuple[str, str, str, bool]]] = {}  # name -> (field, type, json tag, embedded)
        self.named: dict[str, str] = {}
        self.imports: dict[str, str] = {}

    def parse(self, text: str) -> None:
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
        imports: dict[str, str] = {}
        for block in re.findall(r"^import \((.*?)^\)", text, flags=re.S | re.M):
            for alias, target in re.findall(r'^\s*(\w+)?\s*"([^"]+)"', block, flags=re.M):
                imports[alias or target.rsplit("/", 1)[-1]] = target
        for alias, target in re.findall(r'^import (\w+)?\s*"([^"]+)"', text, flags=re.M):
            imports[alias or target.rsplit("/", 1)[-1]] = target
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            line = re.sub(r"//.*", "", lines[i]).rstrip()
            match = re.match(r"^type (\w+) struct \{$", line)
            if match:
                fields = []
                i += 1
                while not lines[i].startswith("}"):
                    body = lines[i].strip()
                    i += 1
                    if not body or body.startswith("//"):
                        continue
                    tag = re.search(r"`([^`]*)`", body)
                    json_tag = ""
                    if tag:
                        jt = re.search(r'json:"([^"]*)"', tag.group(1))
                        json_tag = jt.group(1) if jt else ""
                        body = body[: tag.start()].strip()
                    body = re.sub(r"//.*", "", body).strip()
                    parts = body.split(None, 1)
                    if len(parts) == 1:
                        fields.append((parts[0].lstrip("*").rsplit(".", 1)[-1], parts[0], json_tag, True))
                    else:
                        fields.append((parts[0], parts[1].strip(), json_tag, False))
                self.structs[match.group(1)] = [(f, self._qualify(t, imports), j, e) for f, t, j, e in fields]
            else:
                named = re.match(r"^type (\w+) (?:= )?(\S.*)$", line)
                if named and not named.group(2).startswith(("interface", "func")):
                    self.named[named.group(1)] = self._qualify(named.group(2).strip(), imports)
            i += 1

    def _qualify(self, expr: str, imports: dict[str, str]) -> str:
        """Rewrite package aliases in a Go type expression to full import paths."""

        def repl(m: re.Match[str]) -> str:
            alias, name = m.group(1), m.group(2)
            return f"{imports.get(alias, alias)}.{name}"

        qualified = re.sub(r"\b([a-z]\w*)\.([A-Z]\w*)", repl, expr)
        # unqualified identifiers of this package
        return re.sub(r"(?<![\w./])([A-Z]\w*)", lambda m: f"{self.path}.{m.group(1)}", qualified)


class Generator:
    def __init__(self, api: Path, apimachinery: Path, client_go: Path, tag: str) -> None:
        self.repos = {"k8s.io/api/": api, "k8s.io/apimachinery/": apimachinery}
        self.tag = tag
        self.client_go = client_go
        self.packages: dict[str, Package] = {}
        self.types: dict[str, list[list[object]]] = {}

    def package(self, path: str) -> Package:
        if path not in self.packages:
            pkg = Package(path)
            for prefix, repo in self.repos.items():
                if path.startswith(prefix):
                    directory = path[len(prefix) :]
                    for name in git_ls(repo, self.tag, directory):
                        if name.startswith("zz_generated") or name.startswith("generated") or "swagger_doc" in name:
                            continue
                        pkg.parse(git_show(repo, self.tag, f"{directory}/{name}"))
            self.packages[path] = pkg
        return self.packages[path]

    def short(self, full: str) -> str:
        pkg, name = full.rsplit(".", 1)
        if pkg == META:
            return f"meta/v1.{name}"
        return f"{pkg.removeprefix('k8s.io/api/')}.{name}"

    def expr(self, go: str) -> str:
        """A Go type expression → the table's type expression (registering structs)."""
        go = go.strip()
        if go.startswith("*"):
            return "*" + self.expr(go[1:])
        if go == "[]byte":
            return "y"
        if go.startswith("[]"):
            return "[]" + self.expr(go[2:])
        if go.startswith("map["):
            depth, j = 0, 3
            while True:
                if go[j] == "[":
                    depth += 1
                elif go[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            return "{}" + self.expr(go[j + 1 :])
        if go in SCALARS:
            return SCALARS[go]
        if go in SPECIAL:
            return SPECIAL[go]
        if go in ("interface{}", "any"):
            return "r"
        if go == "struct{}":
            self.types["struct{}"] = []
            return "struct{}"
        if "." not in go:
            raise SystemExit(f"cannot resolve Go type {go!r}")
        pkg_path, name = go.rsplit(".", 1)
        pkg = self.package(pkg_path)
        if name in pkg.named:
            return self.expr(pkg.named[name])
        if name in pkg.structs:
            short = self.short(go)
            if short not in self.types:
                self.types[short] = []  # placeholder against recursion
                self.types[short] = self.fields(pkg, name)
            return short
        raise SystemExit(f"unknown type {go}")

    def fields(self, pkg: Package, name: str) -> list[list[object]]:
        out: list[list[object]] = []
        for field, go_type, tag, embedded in pkg.structs[name]:
            if not field[:1].isupper():
                continue
            json_name, _, options = tag.partition(",")
            if json_name == "-":
                continue
            opts = options.split(",")
            if embedded and not json_name:
                base = go_type.lstrip("*")
                sub_pkg, sub_name = base.rsplit(".", 1)
                while sub_name in self.package(sub_pkg).named:  # an alias: type X = other.X
                    base = self.package(sub_pkg).named[sub_name].lstrip("*")
                    sub_pkg, sub_name = base.rsplit(".", 1)
                if base in SPECIAL:
                    raise SystemExit(f"inline special type {base} in {name}")
                out.extend(self.fields(self.package(sub_pkg), sub_name))
                continue
            if not json_name:
                json_name = field
            flags = 1 if "omitempty" in opts else 0
            if "omitzero" in opts:
                flags |= 2
            out.append([json_name, self.expr(go_type), flags])
        return out

    def run(self) -> dict[str, object]:
        register = git_show(self.client_go, self.tag, "kubernetes/scheme/register.go")
        imports = dict(re.findall(r'^\s*(\w+) "k8s.io/api/([\w/]+)"', register, flags=re.M))
        used = re.findall(r"^\s*(\w+)\.AddToScheme,", register, flags=re.M)
        kinds: dict[str, str] = {}
        objects: list[str] = []
        for alias in used:
            directory = imports[alias]
            reg = git_show(self.repos["k8s.io/api/"], self.tag, f"{directory}/register.go")
            group = re.search(r'GroupName = "([^"]*)"', reg)
            group_name = group.group(1) if group else ""
            version = directory.rsplit("/", 1)[-1]
            pkg_path = f"k8s.io/api/{directory}"
            body = reg[reg.index("func addKnownTypes") :]
            body = body[: body.index("\n}\n")]
            names = [(pkg_path, n) for n in re.findall(r"&(\w+)\{\}", body)]
            names += [(META, n) for n in re.findall(r"&metav1\.(\w+)\{\}", body)]
            if "metav1.AddToGroupVersion" in body:
                names += [(META, n) for n in OPTION_KINDS]
            for path, kind in names:
                self.register(kinds, objects, group_name, version, path, kind)
        for kind in UNVERSIONED:
            self.register(kinds, objects, "", "v1", META, kind)
        return {
            "source": f"k8s.io/api, k8s.io/apimachinery and k8s.io/client-go {self.tag}",
            "kinds": dict(sorted(kinds.items())),
            "objects": sorted(set(objects)),
            "types": dict(sorted(self.types.items())),
        }

    def register(self, kinds: dict[str, str], objects: list[str], group: str, version: str, path: str, kind: str) -> None:
        short = self.expr(f"{path}.{kind}")
        kinds[f"{group}/{version}/{kind}"] = short
        while kind in self.package(path).named:
            path, kind = self.package(path).named[kind].rsplit(".", 1)
        if any(f == "ObjectMeta" and t == f"{META}.ObjectMeta" for f, t, _, e in self.package(path).structs[kind] if e):
            objects.append(short)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", type=Path, required=True)
    parser.add_argument("--apimachinery", type=Path, required=True)
    parser.add_argument("--client-go", type=Path, required=True)
    parser.add_argument("--tag", default="v0.33.3")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).parent.parent / "chartguard/rules/reval/k8s_types.json"
    )
    args = parser.parse_args()
    table = Generator(args.api, args.apimachinery, args.client_go, args.tag).run()
    args.output.write_text(json.dumps(table, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{args.output}: {len(table['kinds'])} kinds, {len(table['types'])} types", file=sys.stderr)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
