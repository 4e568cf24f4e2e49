#!/usr/bin/env python3
"""Checks the Python package that `jsii-pacmak --code-only` generated, without a package index.

1. The generated sources compile (`compileall`): this catches, for example, two props that
   become the same Python keyword argument ("duplicate argument").
2. setup.py asks for the peer floors of aws-cdk-lib and constructs, and the package bundles the
   JavaScript tarball that the jsii runtime loads.
3. Every ```python example in README.md parses, and what it uses exists under the names Python
   users will type: names imported from this package are classes in the generated module;
   keyword arguments of its constructors and static methods are parameters of the generated
   functions; methods called on its objects exist on the generated class or, when inherited,
   on the aws-cdk-lib base class (from aws-cdk-lib's jsii assembly); names imported from
   aws_cdk and constructs exist in their assemblies' Python layout.

What this cannot check: running the examples, which needs the jsii, aws-cdk-lib and constructs
packages from PyPI and a Node.js runtime; keyword arguments of aws-cdk-lib's own classes.
"""
import ast
import compileall
import gzip
import json
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
PKG = json.load(open(os.path.join(ROOT, 'package.json')))
PY_TARGET = PKG['jsii']['targets']['python']
OUT = os.path.join(ROOT, PKG['jsii'].get('outdir', 'dist'), 'python')
MODULE_DIR = os.path.join(OUT, 'src', *PY_TARGET['module'].split('.'))

errors = []


def fail(msg):
    errors.append(msg)


def snake(name):
    s = re.sub(r'([A-Z]+)([A-Z][a-z])', r'\1_\2', name)
    return re.sub(r'([a-z0-9])([A-Z])', r'\1_\2', s).lower()


def load_assembly(package_dir):
    path = os.path.join(package_dir, '.jsii')
    data = json.load(open(path))
    if data.get('schema') == 'jsii/file-redirect':
        with gzip.open(os.path.join(package_dir, data['filename'])) as f:
            data = json.load(f)
    return data


# 1. compile
if not os.path.isdir(MODULE_DIR):
    print(f'check-python-package: {MODULE_DIR} is missing; run npm run package first', file=sys.stderr)
    sys.exit(1)
if not compileall.compile_dir(os.path.join(OUT, 'src'), quiet=1, force=True):
    fail('the generated Python sources do not compile (see above)')

# 2. setup.py and the bundled tarball
setup_py = open(os.path.join(OUT, 'setup.py')).read()
for name in ('aws-cdk-lib', 'constructs'):
    floor = PKG['peerDependencies'][name].lstrip('^~')
    if f'"{name}>={floor}, <' not in setup_py:
        fail(f'setup.py does not require {name}>={floor}')
for name in ('jsii', 'publication'):
    if f'"{name}>=' not in setup_py and f'"{name}~=' not in setup_py and f'"{name}==' not in setup_py:
        fail(f'setup.py does not require {name}')
tarball = f'{PKG["name"]}@{PKG["version"]}.jsii.tgz'
if not os.path.isfile(os.path.join(MODULE_DIR, '_jsii', tarball)):
    fail(f'the package does not bundle _jsii/{tarball}')

# What the generated module defines: classes, their methods and the parameters of each.
generated = ast.parse(open(os.path.join(MODULE_DIR, '__init__.py')).read())
exported = set()
for node in generated.body:
    if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == '__all__' for t in node.targets):
        exported = {e.value for e in node.value.elts}
classes = {}
for node in generated.body:
    if isinstance(node, ast.ClassDef) and node.name in exported:
        methods = {}
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                a = item.args
                methods[item.name] = {p.arg for p in a.args + a.kwonlyargs} - {'self', 'cls'}
        classes[node.name] = methods

assembly = load_assembly(ROOT)
cdk_dir = os.path.join(ROOT, 'node_modules', 'aws-cdk-lib')
cdk = load_assembly(cdk_dir)
constructs_asm = load_assembly(os.path.join(ROOT, 'node_modules', 'constructs'))


def python_names(asm):
    """Python module -> names it exports (types and submodules), from a jsii assembly."""
    modules = {asm['targets']['python']['module']: set()}
    for fqn, sub in asm.get('submodules', {}).items():
        mod = sub.get('targets', {}).get('python', {}).get('module')
        if mod:
            modules.setdefault(mod, set())
            parent, _, leaf = mod.rpartition('.')
            modules.setdefault(parent, set()).add(leaf)
    for t in asm['types'].values():
        ns = t.get('namespace')
        mod = asm['targets']['python']['module']
        if ns:
            sub = asm.get('submodules', {}).get(f'{asm["name"]}.{ns}', {})
            mod = sub.get('targets', {}).get('python', {}).get('module', f'{mod}.{ns}')
        modules.setdefault(mod, set()).add(t['name'])
    return modules


known_modules = {PY_TARGET['module']: set(classes)}
known_modules.update(python_names(cdk))
known_modules.update(python_names(constructs_asm))


def inherited_method(base_fqn, method):
    """Whether the aws-cdk-lib class (or one of its bases) has a method with this Python name."""
    seen = set()
    stack = [base_fqn]
    while stack:
        fqn = stack.pop()
        if fqn in seen:
            continue
        seen.add(fqn)
        t = cdk['types'].get(fqn) or constructs_asm['types'].get(fqn)
        if t is None:
            continue
        if any(snake(m['name']) == method for m in t.get('methods', [])):
            return True
        stack.extend([t['base']] if 'base' in t else [])
        stack.extend(t.get('interfaces', []))
    return False


# The modules that the generated code imports exist in the assemblies' Python layout.
for node in generated.body:
    if isinstance(node, ast.Import):
        for alias in node.names:
            top = alias.name.split('.')[0]
            if top in ('aws_cdk', 'constructs') and alias.name not in known_modules:
                fail(f'the generated module imports {alias.name}, which is not a module of its dependencies')

# 3. the README's Python examples (or those of the markdown file given as the argument)
readme = open(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'README.md')).read()
examples = re.findall(r'^```python\n(.*?)^```', readme, re.S | re.M)
if not examples:
    fail('README.md has no ```python example')
for n, source in enumerate(examples, 1):
    where = f'README.md python example {n}'
    try:
        tree = ast.parse(source)
    except SyntaxError as e:
        fail(f'{where}: {e}')
        continue
    ours = {}  # local name -> generated class name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name not in known_modules.get(node.module, set()) and f'{node.module}.{alias.name}' not in known_modules:
                    fail(f'{where}: "from {node.module} import {alias.name}": no such name in the generated layout')
                elif node.module == PY_TARGET['module']:
                    ours[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name not in known_modules:
                    fail(f'{where}: "import {alias.name}": no such module')
    variables = {}  # variable -> generated class name of the object it holds
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name):
            cls = ours.get(node.value.func.id)
            if cls:
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        variables[target.id] = cls
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        kwargs = {k.arg for k in node.keywords if k.arg}
        func = node.func
        if isinstance(func, ast.Name) and func.id in ours:
            cls = ours[func.id]
            params = classes[cls].get('__init__', set())
            for k in kwargs - params:
                fail(f'{where}: {cls}(...) has no keyword argument {k}')
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in ours:
                cls = ours[func.value.id]
                if func.attr not in classes[cls]:
                    fail(f'{where}: {cls}.{func.attr} does not exist')
                else:
                    for k in kwargs - classes[cls][func.attr]:
                        fail(f'{where}: {cls}.{func.attr}(...) has no keyword argument {k}')
            elif func.value.id in variables:
                cls = variables[func.value.id]
                if func.attr not in classes[cls]:
                    base = assembly['types'][f'{PKG["name"]}.{cls}'].get('base')
                    if not (base and inherited_method(base, func.attr)):
                        fail(f'{where}: {cls} objects have no method {func.attr}')

if errors:
    for e in errors:
        print(f'check-python-package: {e}', file=sys.stderr)
    sys.exit(1)
print(f'check-python-package: the generated package compiles; setup.py, the bundled tarball and '
      f'{len(examples)} README example(s) match the generated names')
