"""Access control: 401/403 on every route of the schema, the audit chain, OIDC tokens, and a
leak probe over OFFICIAL, OFFICIAL-SENSITIVE and SECRET papers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from conftest import bearer, make_settings, write_corpus
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from test_cli import Kg

from api.app import create_app
from api.deps import Services
from api.oidc import OidcVerifier
from api.search import LoadedIndex
from indexer.pipeline import Indexer
from kg.access import Unauthenticated
from kg.audit import AuditLog, Consultation
from kg.markings import at_or_below
from kg.settings import OidcSettings, Settings
from vectors.encoder import SentenceTransformerEncoder
from vectors.generations import Snapshot

PAPERS = {
    "open.txt": "OFFICIAL\nHarbour Board\n3 March 2015\n\n1. Inspector Mara Quill leads the "
    "Lanes Collision Partnership on the quayside.\n",
    "sensitive.txt": "OFFICIAL-SENSITIVE\nSensitive Review\n4 April 2015\n\n1. Inspector Tobias "
    "Vantablack leads Operation Marzipan against cuckooing.\n",
    "secret.txt": "SECRET\nCovert Briefing\n5 May 2015\n\n1. Superintendent Ophelia Quenby leads "
    "Operation Zanzibar, a covert source handling initiative.\n",
}
# Words only each paper holds: none may reach a caller cleared below it.
UNIQUE = {
    "sensitive.txt": ["Vantablack", "Marzipan", "Sensitive Review", "sensitive.txt"],
    "secret.txt": ["Quenby", "Zanzibar", "Covert Briefing", "secret.txt"],
}
BELOW = {"OFFICIAL": ["sensitive.txt", "secret.txt"], "OFFICIAL-SENSITIVE": ["secret.txt"]}


@pytest.fixture(scope="module")
def marked(
    tmp_path_factory: pytest.TempPathFactory, encoder: SentenceTransformerEncoder
) -> Iterator[tuple[Settings, Services]]:
    root = tmp_path_factory.mktemp("marked")
    write_corpus(root / "corpus", PAPERS)
    settings = make_settings(root)
    report = Indexer(settings, encoder).run()
    assert sorted(report.added) == sorted(PAPERS)
    services = Services(settings, encoder)
    yield settings, services
    services.close()


def probes(client: TestClient, entity_ids: list[str]) -> list[tuple[str, str]]:
    """(what, body text less the caller's own input echoed back) of every read."""
    out = []

    def add(what: str, given: str, text: str) -> None:
        text = text.lower().replace(given.lower(), "")
        for word in given.lower().split():  # a fragment of the question, echoed back
            text = text.replace(word, "")
        out.append((what, text))

    for q in ("Zanzibar", "Marzipan", "covert source", "who leads Operation Zanzibar", "Quenby"):
        add(f"search {q}", q, client.get("/search", params={"q": q, "k": 10}).text)
        add(f"ask {q}", q, client.get("/ask", params={"q": q}).text)
        add(f"entities {q}", q, client.get("/entities", params={"q": q}).text)
    add("documents", "\x00", client.get("/documents").text)
    add("health", "\x00", client.get("/health").text)
    for doc in PAPERS:
        add(f"document {doc}", doc, client.get(f"/documents/{doc}").text)
        add(f"filter {doc}", doc, client.get("/search", params={"q": "leads", "doc": doc}).text)
    # Every entity of the whole graph, hidden ones included, by id (a caller may guess one).
    for entity_id in entity_ids:
        add(f"entity {entity_id}", entity_id, client.get(f"/entities/{entity_id}").text)
        neighbours = client.get(f"/entities/{entity_id}/neighbours", params={"depth": 2})
        add(f"neighbours {entity_id}", entity_id, neighbours.text)
        chain = client.get(f"/initiatives/{entity_id}/dependencies", params={"depth": 3})
        add(f"dependencies {entity_id}", entity_id, chain.text)
        named = client.post("/queries/who_leads", json={"params": {"entityId": entity_id}})
        add(f"who_leads {entity_id}", entity_id, named.text)
    for query in ("MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r", "MATCH (n) RETURN count(n)"):
        add(f"cypher {query}", query, client.post("/cypher", json={"query": query}).text)
    return out


@pytest.mark.parametrize("clearance", ["OFFICIAL", "OFFICIAL-SENSITIVE"])
def test_nothing_above_the_clearance_leaks(
    marked: tuple[Settings, Services], clearance: str
) -> None:
    settings, services = marked
    app = create_app(settings, services)
    with TestClient(app, headers=bearer(settings)) as everything:
        every_id = "MATCH (n) WHERE n.id IS NOT NULL AND NOT n:Document AND NOT n:Chunk RETURN n.id"
        ids = [r[0] for r in everything.post("/cypher", json={"query": every_id}).json()["rows"]]
    assert any("quenby" in i for i in ids)  # the probe asks for hidden entities too
    with TestClient(app, headers=bearer(settings, "analyst", clearance)) as client:
        found = probes(client, ids)
        docs = client.get("/documents").json()["documents"]
        # A hidden document answers exactly as one that does not exist (the id aside).
        hidden = client.get("/documents/secret.txt")
        absent = client.get("/documents/no-such-paper.txt")
        assert hidden.status_code == absent.status_code == 404
        assert hidden.text.replace("secret.txt", "?") == absent.text.replace(
            "no-such-paper.txt", "?"
        )
        quenby = next(i for i in ids if "quenby" in i)  # only the SECRET paper names her
        for path in ("/entities/{}", "/entities/{}/neighbours"):
            hidden = client.get(path.format(quenby))
            absent = client.get(path.format("person:no-such-person"))
            assert hidden.status_code == absent.status_code == 404
            assert hidden.text.replace(quenby, "?") == absent.text.replace(
                "person:no-such-person", "?"
            )
        hits = client.get("/search", params={"q": "leads", "k": 10}).json()["results"]
    leaks = [
        (what, word)
        for what, text in found
        for doc in BELOW[clearance]
        for word in UNIQUE[doc]
        if word.lower() in text.lower()
    ]
    assert not leaks, leaks
    assert {d["id"] for d in docs} == set(PAPERS) - set(BELOW[clearance])
    assert {h["doc"] for h in hits} == set(PAPERS) - set(BELOW[clearance])  # k still served
    print(f"leak probe {clearance}: {len(found) * sum(len(UNIQUE[d]) for d in BELOW[clearance])}")


def test_top_secret_sees_every_paper(marked: tuple[Settings, Services]) -> None:
    settings, services = marked
    with TestClient(create_app(settings, services), headers=bearer(settings)) as client:
        docs = client.get("/documents").json()["documents"]
        rows = client.post("/cypher", json={"query": "MATCH (d:Document) RETURN d.id"}).json()
    assert {d["id"] for d in docs} == set(PAPERS)
    assert sorted(r[0] for r in rows["rows"]) == sorted(PAPERS)


def test_every_route_needs_a_key_and_the_right_role(marked: tuple[Settings, Services]) -> None:
    settings, services = marked
    app = create_app(settings, services)
    with TestClient(app, headers=bearer(settings)) as admin:
        schema = admin.get("/openapi.json").json()
    admin_only = {"/audit", "/audit/verify", "/metrics"}
    analyst = {"/cypher", "/queries", "/queries/{name}"}
    checked = 0
    with TestClient(app) as anonymous:
        reader = {"Authorization": bearer(settings, "reader", "TOP SECRET")["Authorization"]}
        for path, methods in schema["paths"].items():
            url = path.replace("{name}", "who_leads").replace("{doc_id}", "open.txt")
            url = url.replace("{entity_id}", "x").replace("{initiative_id}", "x")
            for method in methods:
                body = {"query": "RETURN 1"} if method == "post" else None
                response = anonymous.request(method, url, json=body)
                if path in ("/health", "/health/live"):
                    assert response.status_code == 200, path
                    continue
                assert response.status_code == 401, (method, path, response.text)
                assert response.json()["error"]["code"] == "unauthenticated"
                wrong = anonymous.request(
                    method, url, json=body, headers={"Authorization": "Bearer kg_bad"}
                )
                assert wrong.status_code == 401, path
                if path in admin_only or path in analyst:
                    denied = anonymous.request(method, url, json=body, headers=reader)
                    assert denied.status_code == 403, (method, path, denied.text)
                    assert denied.json()["error"]["code"] == "forbidden"
                checked += 1
    assert checked >= 12
    assert anonymous.get("/health").json() == {"status": "ok"}


def test_the_audit_chain_finds_any_edit_removal_or_reordering(tmp_path: Path) -> None:
    log = AuditLog(tmp_path)
    for i in range(5):
        log.append(Consultation(f"user{i}", "key", "reader", "OFFICIAL", "GET", "/search", "q"))
    assert log.verify().ok
    lines = log.path.read_text().splitlines()

    def broken(new: list[str]) -> bool:
        log.path.write_text("\n".join(new) + "\n")
        return not log.verify().ok

    edited = json.loads(lines[2])
    edited["subject"] = "someone else"
    assert broken([*lines[:2], json.dumps(edited), *lines[3:]])
    assert broken(lines[:2] + lines[3:])  # a record removed
    assert broken(lines[:-1])  # the last one removed
    assert broken([*lines[:1], lines[2], lines[1], *lines[3:]])  # reordered
    log.path.write_text("\n".join(lines) + "\n")
    assert log.verify().ok


def test_a_request_is_audited_with_who_and_what(marked: tuple[Settings, Services]) -> None:
    settings, services = marked
    headers = {**bearer(settings, "reader", "OFFICIAL"), "X-Justification": "case 41"}
    with TestClient(create_app(settings, services), headers=headers) as client:
        assert client.get("/search", params={"q": "Quill", "k": 3}).status_code == 200
    record = list(AuditLog(settings.access_dir).records())[-1]
    assert record["endpoint"] == "/search" and record["query"] == "Quill"
    assert record["clearance"] == "OFFICIAL" and record["justification"] == "case 41"
    assert record["docs"] == ["open.txt"] and record["status"] == 200
    assert AuditLog(settings.access_dir).verify().ok


def _jwks(tmp_path: Path) -> tuple[rsa.RSAPrivateKey, OidcSettings]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    public["kid"] = "k1"
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [public]}))
    return key, OidcSettings(
        issuer="https://idp.test", audience="kg", jwks_file=tmp_path / "jwks.json"
    )


def test_oidc_tokens_with_a_bad_signature_audience_or_expiry_are_refused(tmp_path: Path) -> None:
    key, settings = _jwks(tmp_path)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    verifier = OidcVerifier(settings)
    claims = {
        "iss": "https://idp.test",
        "aud": "kg",
        "sub": "pc1234",
        "exp": int(time.time()) + 300,
        "kg_role": "analyst",
        "kg_clearance": "SECRET",
    }

    def token(signer: rsa.RSAPrivateKey = key, **changes: object) -> str:
        return jwt.encode({**claims, **changes}, signer, "RS256", headers={"kid": "k1"})

    principal = verifier.authenticate(token())
    assert (principal.subject, principal.role, principal.clearance) == (
        "pc1234",
        "analyst",
        "SECRET",
    )
    for bad in (
        token(other),
        token(aud="someone-else"),
        token(exp=int(time.time()) - 3600),
        token(iss="https://evil.test"),
        token(kg_clearance="EVERYTHING"),
        jwt.encode(claims, "s" * 64, "HS256", headers={"kid": "k1"}),
    ):
        with pytest.raises(Unauthenticated):
            verifier.authenticate(bad)


def test_a_cleared_view_reads_only_what_it_may_see(marked: tuple[Settings, Services]) -> None:
    settings, _ = marked
    full = Snapshot.open_current(settings.index_dir)
    view = full.cleared(at_or_below("OFFICIAL"), settings.access.default_marking)
    index = LoadedIndex(view)
    assert set(index.documents) == {"open.txt"} and index.size == len(view.row_documents())
    hidden = [s.chunk.id for s in full.chunks() if s.chunk.doc_id != "open.txt"]
    visible = [c.id for c in index.chunks(range(index.size))]
    assert hidden and not set(view.rows_of(hidden)) and set(view.rows_of(visible)) == set(visible)
    assert view.document_text("secret.txt") is None and view.document_text("open.txt")
    assert index.document("sensitive.txt") is None
    # BM25 statistics come from the visible chunks alone: a hidden paper's words are unknown.
    assert not index.keyword.weighted_terms("Zanzibar Quenby Marzipan")
    full.close()


@pytest.mark.parametrize("clearance", ["OFFICIAL", "OFFICIAL-SENSITIVE"])
def test_no_cli_command_shows_what_is_above_the_clearance(
    marked: tuple[Settings, Services],
    clearance: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    encoder: SentenceTransformerEncoder,
) -> None:
    settings, _ = marked
    # The same bundled model as the session's: shared so that each command does not load it.
    monkeypatch.setattr("api.deps.make_encoder", lambda _settings: encoder)
    kg = Kg(capsys, monkeypatch)
    kg.use(settings.data_dir, settings.corpus_dir)
    found = []
    for q in ("Zanzibar", "Marzipan", "covert source", "who leads Operation Zanzibar", "Quenby"):
        for command in ("search", "ask", "entities"):
            local = ["--local"] if command != "entities" else []
            run = kg(command, q, "--json", *local, "--clearance", clearance)
            assert run.code == 0, run.err
            text = (run.out + run.err).lower()
            for echoed in [q, *q.split()]:  # the caller's own words, echoed back
                text = text.replace(echoed.lower(), "")
            found.append((f"kg {command} {q}", text))
    for query in ("MATCH (n) RETURN n", "MATCH ()-[r]->() RETURN r"):
        run = kg("cypher", query, "--json", "--clearance", clearance)
        found.append((f"kg cypher {query}", run.out + run.err))
    leaks = [
        (what, word)
        for what, text in found
        for doc in BELOW[clearance]
        for word in UNIQUE[doc]
        if word.lower() in text.lower()
    ]
    assert not leaks, leaks
    print(
        f"CLI leak probe {clearance}: {len(found) * sum(len(UNIQUE[d]) for d in BELOW[clearance])}"
    )
