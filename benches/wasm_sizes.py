#!/usr/bin/env python3
# Sizes of a wasm module's sections, and of its code per crate (needs an unstripped build):
#   CARGO_PROFILE_PLUGIN_STRIP=false cargo build -p saas-alerts-plugin --target wasm32-unknown-unknown \
#     --profile plugin --target-dir target/sizes
#   python3 benches/wasm_sizes.py target/sizes/wasm32-unknown-unknown/plugin/saas_alerts_plugin.wasm
import sys, re, collections

def crate_of(name):
    """The crate a (legacy or v0) mangled function name belongs to."""
    legacy = re.match(r'_ZN(\d+)', name)
    if legacy:
        return name[len(legacy.group(0)):len(legacy.group(0)) + int(legacy.group(1))]
    v0 = re.search(r'C(?:s[0-9A-Za-z]*_)?(\d+)', name) if name.startswith('_R') else None
    if v0:
        return name[v0.end():v0.end() + int(v0.group(1))]
    generic = re.search(r'([a-z_][a-z0-9_]*)\.\.', name)
    return generic.group(1) if generic else '(other)'

data = open(sys.argv[1], 'rb').read()
def leb(b, i):
    r = s = 0
    while True:
        x = b[i]; i += 1; r |= (x & 0x7f) << s; s += 7
        if x < 0x80: return r, i
i = 8; sections = {}; code = None; names = {}; imports = 0
while i < len(data):
    sid = data[i]; i += 1; size, i = leb(data, i); body = data[i:i+size]
    if sid == 2:  # imports: count function imports
        n, j = leb(body, 0)
        for _ in range(n):
            l, j = leb(body, j); j += l; l, j = leb(body, j); j += l
            kind = body[j]; j += 1
            if kind == 0: _, j = leb(body, j); imports += 1
            elif kind == 1: j += 1; f, j = leb(body, j); _, j = leb(body, j); j = j if not (f & 1) else leb(body, j)[1]
            elif kind == 2: f, j = leb(body, j); _, j = leb(body, j); j = j if not (f & 1) else leb(body, j)[1]
            elif kind == 3: j += 2
    if sid == 0:
        l, j = leb(body, 0); name = body[j:j+l].decode(); j += l
        sections['custom:' + name] = size
        if name == 'name':
            while j < len(body):
                sub = body[j]; j += 1; sz, j = leb(body, j); end = j + sz
                if sub == 1:
                    n, k = leb(body, j)
                    for _ in range(n):
                        idx, k = leb(body, k); l, k = leb(body, k); names[idx] = body[k:k+l].decode('utf8', 'replace'); k += l
                j = end
    else:
        sections[sid] = size
    if sid == 10: code = body
    i += size
print({ {1:'type',2:'import',3:'function',5:'memory',6:'global',7:'export',10:'code',11:'data'}.get(k, k): v for k, v in sections.items()})
n, j = leb(code, 0); per = collections.Counter()
for f in range(n):
    sz, j2 = leb(code, j); name = names.get(imports + f, '?')
    per[crate_of(name)] += sz + (j2 - j); j = j2 + sz
for crate, sz in per.most_common(14): print(f'{sz:8d}  {crate}')
