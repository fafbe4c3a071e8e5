"""Questions the indexed corpus cannot answer, used to measure abstention.

The corpus is the five West Midlands Police papers in corpus/ (the 2006 HMIC baseline
assessment and Strategic Policing and Crime Board papers from 2013 to 2015). For every
question here /ask must return `answered: false`; tools/calibrate_confidence.py also uses
them as answers that are always wrong to give.

Each entry is a (kind, question) pair:

- "near_miss": the question names something the papers do mention (an initiative, unit,
  board, post or force), or asks a question type the papers nearly answer, but no paper
  gives the asked-for fact: no lead, chair or head is named, no date or figure is given, or
  the year or force asked about is one the papers do not cover. The comment above each one
  says what was checked (grep -i over corpus/*.txt).
- "off_topic": questions outside policing papers altogether (cooking, sport, medicine,
  programming, astronomy, gibberish) or about things the papers never mention.

Written from general knowledge of police papers, not from the evaluation questions
(nothing here is in shared/eval/dev_qa.json).
"""

UNANSWERABLE: list[tuple[str, str]] = [
    # --- near misses ---
    # "Sentinel" appears in 002/003; only strand Bronze leads (DI Gooderidge for CSE, DI
    # Chisholm, DS Runham) and unnamed LPU Sentinel Bronzes are named; no lead of Sentinel
    # itself (the milestone heading above it names only the post "ACC Local Policing")
    ("near_miss", "Who leads Sentinel?"),
    # "knife" only in 001 (knife crime analysis, One Knife, One Life); no lead is named
    ("near_miss", "knife crime lead"),
    # 001 says the force "has just launched One Knife, One Life"; no lead or owner given
    ("near_miss", "Who leads the One Knife, One Life campaign?"),
    # "1985" does not appear; the only Police Authority chair named is Holl-Allen (2006)
    ("near_miss", "Who chaired the Police Authority in 1985?"),
    # "Kent" does not appear; the DCCs named are WMP's (Sims 2006, Thompson 2014/15)
    ("near_miss", "Who is Kent Police's deputy chief constable?"),
    # Greater Manchester/GMP only in a hate crime figure (000) and the no-crime table (003)
    ("near_miss", "Who is the Chief Constable of Greater Manchester Police?"),
    # 001 says the DCC of Warwickshire stood down from the regional project team; unnamed
    ("near_miss", "Which Warwickshire deputy chief constable stood down from the regional team?"),
    # Chief Constables named: Scott-Lee (2006), Sims (2014); nothing on 1990
    ("near_miss", "Who was Chief Constable of West Midlands Police in 1990?"),
    # "Police and Crime Commissioner"/PCC in 002/003/004; never named
    ("near_miss", "Who is the West Midlands Police and Crime Commissioner?"),
    # the Strategic Policing and Crime Board receives 000/002/003/004; no chair is named
    ("near_miss", "Who chairs the Strategic Policing and Crime Board?"),
    # 001 mentions the PA "chair and chief executive"; the chief executive is not named
    ("near_miss", "Who is the chief executive of the Police Authority?"),
    # 002: "IPCC Commissioner for West Midlands is also linked in"; not named
    ("near_miss", "Who is the IPCC Commissioner for the West Midlands?"),
    # "Concord" 3 times in 002 (Birmingham East OCGs, moved into the ROCU); no lead named
    ("near_miss", "Who leads Project Concord?"),
    # "Astana" once in 002 ("The approach to tackle organised crime in Coventry"); no head
    ("near_miss", "Who heads Operation Astana?"),
    # 002: a Strategic Violence Board "is being established"; no chair named
    ("near_miss", "Who chairs the Strategic Violence Board?"),
    # 002 para 152: a Victims' Commission "has been established"; no chair or members
    ("near_miss", "Who chairs the Victims' Commission?"),
    # 003: "STT Board meetings held in April and June"; no chair named
    ("near_miss", "Who chairs the STT Board?"),
    # 002 lists a Cyber Unit among the ROCU's functions; no head named
    ("near_miss", "Who heads the ROCU Cyber Unit?"),
    # Corporate Communications in 000/003 (desks and social media hub); no head named
    ("near_miss", "Who heads the Corporate Communications Department?"),
    # professional standards department (001) / PSD (002) described; no head named
    ("near_miss", "Who is the head of the Professional Standards Department?"),
    # force crime registrar in 001/002/003, always by post only, never by name
    ("near_miss", "Who is the Force Crime Registrar?"),
    # "MAPPA co-ordinator" 3 times in 001, never named
    ("near_miss", "Who is the MAPPA co-ordinator?"),
    # 001: the head of ICT services reports to the ACC (CJ/ICT); the head is not named
    ("near_miss", "Who is the head of ICT services?"),
    # 001: "head of training" 3 times, never named
    ("near_miss", "Who is the head of training?"),
    # 001: staff may serve as "full-time chair of BAPA and the Rainbow Network"; unnamed
    ("near_miss", "Who chairs the Black and Asian Police Association?"),
    # "wildlife" does not appear anywhere
    ("near_miss", "Who is the force lead for wildlife crime?"),
    # "county lines" does not appear anywhere
    ("near_miss", "county lines lead"),
    # Evolve is described in 001 (themes, DCC oversight); no start or launch date given
    ("near_miss", "When was the Evolve programme launched?"),
    # 003: building of the Perry Barr custody site starts late summer 2014; no opening date
    ("near_miss", "When will the new Perry Barr custody site open?"),
    # 003: Lloyd House refurbishment and decant plan described; no cost figure
    ("near_miss", "How much did the Lloyd House refurbishment cost?"),
    # Accenture partnership in 002/004; no contract value (004 has no £ figure at all)
    ("near_miss", "What is the value of the Accenture contract?"),
    # 001 mentions dogs twice (operations department, dog handlers); no count
    ("near_miss", "How many police dogs does West Midlands Police have?"),
    # 001: use of less-lethal options such as Taser "has increased"; no count given
    ("near_miss", "How many times did officers use Taser in 2005/06?"),
    # 001 describes the Rebai Chorfi call handling trophy; no winning OCU is named
    ("near_miss", "Which OCU won the Rebai Chorfi trophy?"),
    # --- off topic ---
    ("off_topic", "What is the recipe for banana bread?"),
    ("off_topic", "xyzzy plugh"),
    ("off_topic", "Who won the 1966 World Cup?"),
    ("off_topic", "What is the capital of Australia?"),
    ("off_topic", "How do I reset my router?"),
    ("off_topic", "What is the usual adult dose of paracetamol?"),
    ("off_topic", "What are the symptoms of type 2 diabetes?"),
    ("off_topic", "How many moons does Jupiter have?"),
    ("off_topic", "Which planet is closest to the Sun?"),
    ("off_topic", "How do I reverse a linked list in Python?"),
    ("off_topic", "What does HTTP status code 418 mean?"),
    ("off_topic", "Who wrote Pride and Prejudice?"),
    ("off_topic", "When did the Berlin Wall fall?"),
    ("off_topic", "What is the speed of light in a vacuum?"),
    ("off_topic", "How long should I boil an egg for a runny yolk?"),
    ("off_topic", "sourdough starter hydration"),
    ("off_topic", "Who is the lead guitarist of Queen?"),
    ("off_topic", "Who chairs the US Federal Reserve?"),
    ("off_topic", "How many players are on a rugby union team?"),
    ("off_topic", "Translate good morning into Japanese"),
    ("off_topic", "asdfgh qwerty zxcvb"),
    ("off_topic", "lorem ipsum dolor sit amet"),
]
