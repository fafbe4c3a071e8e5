"""Papers for the page tests, written for them in three layouts (a panel report, an
inspection in Markdown, minutes with an attendance table) and one SECRET briefing, so the
pages show an answer with a history, a marking on every document, and a clearance boundary."""

from __future__ import annotations

PAPERS: dict[str, str] = {
    "northshire_panel_2019.txt": """NORTHSHIRE POLICE AND CRIME PANEL
14 March 2019

Operation Lantern: Quarterly Update

1. Purpose
1.1 Operation Lantern is the force's response to county lines drug exploitation of
children.

2. Governance
2.1 Detective Chief Inspector Anna Brook is the lead for Operation Lantern. She chairs the
monthly Lantern tactical meeting with the youth offending service.
2.2 Operation Lantern depends on the Harbour Data Hub for intelligence sharing with the
local authorities.

3. Risks
3.1 Risk: the loss of partner funding in 2020 would delay the safeguarding referrals.
""",
    "northshire_inspection_2021.md": """# Inspection of Northshire Police

June 2021

## Exploitation

Operation Lantern is now led by Superintendent Rhys Vale, who also chairs the Exploitation
Tactical Group. The force has improved the way it identifies children at risk of county
lines exploitation.

## Recommendation

Recommendation 1: the force should publish its exploitation problem profile by March 2022.
""",
    "northshire_board_minutes_2020.txt": """NORTHSHIRE POLICE STRATEGIC BOARD
MINUTES OF THE MEETING
2 September 2020

Present:
CC Tom Hale (Chair) | Chief Constable
DCC Priya Nair | Deputy Chief Constable
Supt Rhys Vale | Head of Public Protection

1. Operation Lantern
1.1 The Deputy Chief Constable reported that Operation Lantern had safeguarded 41 children
since April. The board agreed to extend the Harbour Data Hub pilot to the eastern area.
""",
    "northshire_covert_2020.txt": """SECRET
Covert Tasking Review
5 May 2020

1. Inspector Zara Quinn leads the covert strand of Operation Lantern and reports to the
Detective Chief Inspector monthly.
""",
}

FORCE = "Northshire Police"
QUESTION = "who leads Operation Lantern"
SECRET_NAME = "Zara Quinn"


def sidecars() -> dict[str, str]:
    """The force of every paper, as each one's .meta.yaml sidecar."""
    return {f"{name}.meta.yaml": f'force: "{FORCE}"\n' for name in PAPERS}
