"""Group Policy templates generated from the settings schema: packaging/windows/calmcue.admx and
en-US/calmcue.adml. Every setting appears twice: under "CalmCue (enforced)" (HKLM\\Software\\Policies\\CalmCue,
locked for the user) and "CalmCue (defaults)" (...\\CalmCue\\Defaults, a starting value the user may change).

    python -m calmcue.config.admx OUTDIR     # writes OUTDIR/calmcue.admx and OUTDIR/en-US/calmcue.adml
"""

from __future__ import annotations

import sys
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from calmcue.config.keys import KeyInfo, key_infos
from calmcue.config.labels import label, section_title
from calmcue.config.registry import DEFAULTS_KEY, POLICY_KEY

NS = "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"
SUPPORTED = "SUPPORTED_CalmCue_0_1"
TIERS = (("Enforced", POLICY_KEY, "CalmCue (enforced: locked for the user)"),
         ("Defaults", DEFAULTS_KEY, "CalmCue (defaults: the user may change them)"))


def _ident(key: str) -> str:
    return key.replace(".", "_")


def _sections() -> list[str]:
    seen: list[str] = []
    for info in key_infos():
        section = info.key.rpartition(".")[0]
        if section not in seen:
            seen.append(section)
    return seen


def _policy(tier: str, key: str, info: KeyInfo) -> str:
    name = f"{tier}_{_ident(info.key)}"
    category = f"{tier}_{_ident(info.key.rpartition('.')[0])}"
    head = (f'    <policy name="{name}" class="Machine" displayName="$(string.{name})" '
            f'explainText="$(string.{name}_Help)" key={quoteattr(key)}')
    refs = f'      <parentCategory ref="{category}" />\n      <supportedOn ref="{SUPPORTED}" />\n'
    if info.kind == "bool":
        return (f'{head} valueName="{info.key}">\n{refs}'
                '      <enabledValue><decimal value="1" /></enabledValue>\n'
                '      <disabledValue><decimal value="0" /></disabledValue>\n    </policy>\n')
    if info.kind == "int":
        element = (f'<decimal id="value" valueName="{info.key}" minValue="{int(info.lo or 0)}" '
                   f'maxValue="{int(info.hi if info.hi is not None else 4294967295)}" />')
    elif info.kind == "choice":
        items = "".join(f'<item displayName="$(string.{name}_{c.replace("-", "_")})"><value><string>{escape(c)}'
                        f'</string></value></item>' for c in info.choices)
        element = f'<enum id="value" valueName="{info.key}" required="true">{items}</enum>'
    else:  # float or text: REG_SZ, validated by CalmCue (ADMX has no decimal fractions)
        element = f'<text id="value" valueName="{info.key}" required="{str(info.kind == "float").lower()}" />'
    return (f'{head} presentation="$(presentation.{name})">\n{refs}'
            f'      <elements>{element}</elements>\n    </policy>\n')


def admx() -> str:
    categories = ['    <category name="CalmCue" displayName="$(string.CalmCue)" />\n']
    for tier, _, _ in TIERS:
        categories.append(f'    <category name="{tier}" displayName="$(string.{tier})"><parentCategory ref="CalmCue" '
                          f'/></category>\n')
        for section in _sections():
            categories.append(f'    <category name="{tier}_{_ident(section)}" displayName="$(string.Section_'
                              f'{_ident(section)})"><parentCategory ref="{tier}" /></category>\n')
    policies = [_policy(tier, key, info) for tier, key, _ in TIERS for info in key_infos()]
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<!-- Generated from the CalmCue settings schema (python -m calmcue.config.admx); do not edit. -->\n'
            f'<policyDefinitions xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="{NS}">\n'
            '  <policyNamespaces>\n    <target prefix="calmcue" namespace="CalmCue.Policies.CalmCue" />\n'
            '    <using prefix="windows" namespace="Microsoft.Policies.Windows" />\n  </policyNamespaces>\n'
            '  <resources minRequiredRevision="1.0" />\n'
            f'  <supportedOn>\n    <definitions>\n      <definition name="{SUPPORTED}" '
            f'displayName="$(string.{SUPPORTED})" />\n    </definitions>\n  </supportedOn>\n'
            f'  <categories>\n{"".join(categories)}  </categories>\n'
            f'  <policies>\n{"".join(policies)}  </policies>\n</policyDefinitions>\n')


def _strings() -> dict[str, str]:
    strings = {"CalmCue": "CalmCue", SUPPORTED: "CalmCue 0.1 or later"}
    strings.update({tier: title for tier, _, title in TIERS})
    strings.update({f"Section_{_ident(s)}": section_title(s) for s in _sections()})
    for tier, key, _ in TIERS:
        for info in key_infos():
            name = f"{tier}_{_ident(info.key)}"
            unit = f" ({info.unit})" if info.unit else ""
            strings[name] = f"{label(info.key).text}{unit}"
            lock = ("Enforced: the user cannot change it." if tier == "Enforced"
                    else "A default: the user may change it in CalmCue's settings.")
            allowed = f"Allowed: {info.allowed}{unit}. Built-in default: {info.default_text}."
            strings[f"{name}_Help"] = (f"{label(info.key).tip}\n\n{info.doc}\n\n{allowed}\n\n{lock} "
                                       f"Registry: HKLM\\{key}, value '{info.key}'. Check a value with "
                                       "'calmcue config show'.")
            for choice in info.choices:
                strings[f"{name}_{choice.replace('-', '_')}"] = choice
    return strings


def _presentation(tier: str, info: KeyInfo) -> str:
    name = f"{tier}_{_ident(info.key)}"
    label = escape(f"{info.key} ({info.allowed}{' ' + info.unit if info.unit else ''})")
    if info.kind == "bool":
        return ""
    if info.kind == "int":
        body = f'<decimalTextBox refId="value" defaultValue="{info.default}">{label}</decimalTextBox>'
    elif info.kind == "choice":
        body = f'<dropdownList refId="value" defaultItem="{info.choices.index(info.default)}">{label}</dropdownList>'
    else:
        body = (f'<textBox refId="value"><label>{label}</label><defaultValue>{escape(str(info.default))}'
                f'</defaultValue></textBox>')
    return f'      <presentation id="{name}">{body}</presentation>\n'


def adml() -> str:
    strings = "".join(f'      <string id="{k}">{escape(v)}</string>\n' for k, v in _strings().items())
    presentations = "".join(_presentation(tier, info) for tier, _, _ in TIERS for info in key_infos())
    return ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<!-- Generated from the CalmCue settings schema (python -m calmcue.config.admx); do not edit. -->\n'
            f'<policyDefinitionResources xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
            f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" revision="1.0" schemaVersion="1.0" xmlns="{NS}">\n'
            '  <displayName>CalmCue</displayName>\n'
            '  <description>Machine policy for CalmCue, calm cues for contact-centre agents.</description>\n'
            f'  <resources>\n    <stringTable>\n{strings}    </stringTable>\n'
            f'    <presentationTable>\n{presentations}    </presentationTable>\n  </resources>\n'
            '</policyDefinitionResources>\n')


def write(outdir: Path) -> list[Path]:
    (outdir / "en-US").mkdir(parents=True, exist_ok=True)
    targets = [(outdir / "calmcue.admx", admx()), (outdir / "en-US" / "calmcue.adml", adml())]
    for path, text in targets:
        path.write_text(text, encoding="utf-8")
    return [path for path, _ in targets]


if __name__ == "__main__":
    for written in write(Path(sys.argv[1] if len(sys.argv) > 1 else "packaging/windows")):
        print(written)
