"""The Synapse source at synapseclient's boundary: a stand-in client over a local folder that
answers login, getChildren and get the way synapseclient.Synapse does, with its own File objects."""

import hashlib
import shutil
from pathlib import Path

import pytest
import synapseclient
from synapseclient.core.exceptions import SynapseAuthenticationError, SynapseHTTPError

from dreamtf.errors import DreamTFError
from dreamtf.io import synapse as S

GOOD = "a-valid-personal-access-token"


class StandInSynapse:
    """Folders (Synapse id -> local folder) whose files get ids syn100, syn101, ..."""

    folders: dict[str, Path] = {}
    downloads: list[str] = []
    corrupt: set[str] = set()
    fail: set[str] = set()

    def __init__(self, skip_checks=False, silent=False):
        self.logged_in = False
        self.files = {}
        n = 100
        for folder, path in sorted(self.folders.items()):
            for f in sorted(path.iterdir()):
                self.files[f"syn{n}"] = (folder, f)
                n += 1

    offline = False

    def login(self, authToken=None, silent=False):
        if self.offline:
            import requests

            raise requests.exceptions.ConnectionError("Max retries exceeded with url: /auth/v1/login")
        if authToken != GOOD:
            raise SynapseAuthenticationError("Invalid access token")
        self.logged_in = True

    def getChildren(self, parent, includeTypes=None):
        assert self.logged_in and includeTypes == ["file"]
        if parent not in self.folders:
            raise SynapseHTTPError(f"404 Client Error: Entity {parent} not found")
        for synid, (folder, f) in self.files.items():
            if folder == parent:
                yield {"id": synid, "name": f.name, "type": "org.sagebionetworks.repo.model.FileEntity"}

    def get(self, synid, downloadFile=True, downloadLocation=None, ifcollision="keep.both"):
        folder, f = self.files[synid]
        data = f.read_bytes()
        ent = synapseclient.File(name=f.name, parentId=folder, synapseStore=True)
        ent["id"] = synid
        ent._file_handle = {"contentSize": len(data), "contentMd5": hashlib.md5(data).hexdigest()}
        if downloadFile:
            if synid in self.fail:
                raise SynapseHTTPError("503 Server Error: Service Unavailable")
            self.downloads.append(synid)
            out = Path(downloadLocation) / f.name
            out.write_bytes(data[:-1] + b"!" if synid in self.corrupt else data)
            ent.path = str(out)
        return ent


@pytest.fixture
def synapse(tmp_path, monkeypatch):
    src = tmp_path / "synapse"
    for folder, names in {
        "syn6184307": ["test_regions.blacklistfiltered.bed.gz"],
        "syn6176233": ["DNASE.liver.fc.signal.bigwig", "DNASE.K562.fc.signal.bigwig"],
        "syn10164048": ["CTCF.train.labels.tsv.gz", "README.txt"],
    }.items():
        (src / folder).mkdir(parents=True)
        for i, name in enumerate(names):
            (src / folder / name).write_bytes(bytes(range(256)) * (i + 3))
    StandInSynapse.folders = {f: src / f for f in ("syn6184307", "syn6176233", "syn10164048")}
    StandInSynapse.downloads, StandInSynapse.corrupt, StandInSynapse.fail = [], set(), set()
    monkeypatch.setenv(S.TOKEN_VARIABLE, GOOD)
    monkeypatch.setattr(S, "FOLDERS", {"annotations": "syn6184307", "DNASE/fold_coverage_wiggles": "syn6176233"})
    return src


def _listing():
    return S.list_release(S.login(StandInSynapse))


def test_listing_maps_synapse_folders_to_the_release_layout(synapse):
    listing = _listing()
    assert sorted(listing) == [
        "ChIPseq/labels/CTCF.test.labels.tsv.gz",  # the final round's labels, as held-out labels
        "DNASE/fold_coverage_wiggles/DNASE.K562.fc.signal.bigwig",
        "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig",
        "annotations/test_regions.blacklistfiltered.bed.gz",
    ]
    assert all(v.startswith("syn") for v in listing.values())


def test_the_challenge_folders_are_the_organisers():
    # the folder ids of the organisers' own upload script
    assert S.FOLDERS["DNASE/fold_coverage_wiggles"] == "syn6176233"
    assert S.FOLDERS["ChIPseq/labels"] == "syn6181335"
    assert S.FOLDERS["ChIPseq/peaks/conservative"] == "syn6181337"
    assert S.FOLDERS["RNAseq"] == "syn6176231"
    assert S.FINAL_LABELS == "syn10164048"


def test_missing_token_is_one_line(monkeypatch):
    monkeypatch.delenv(S.TOKEN_VARIABLE, raising=False)
    with pytest.raises(DreamTFError, match=r"^release.source synapse: set SYNAPSE_AUTH_TOKEN to a Synapse personal"):
        S.login(StandInSynapse)


def test_rejected_token_is_one_line_without_the_token(monkeypatch):
    monkeypatch.setenv(S.TOKEN_VARIABLE, "expired-token-123")
    with pytest.raises(DreamTFError) as err:
        S.login(StandInSynapse)
    assert str(err.value).startswith("Synapse rejected the token in SYNAPSE_AUTH_TOKEN (SynapseAuthenticationError)")
    assert "expired-token-123" not in str(err.value)


def test_no_network_at_login_is_one_line(synapse, monkeypatch):
    monkeypatch.setattr(StandInSynapse, "offline", True)
    with pytest.raises(DreamTFError, match=r"^Synapse: could not reach synapse.org to log in \(ConnectionError\)$"):
        S.login(StandInSynapse)


def test_a_missing_folder_is_named(synapse, monkeypatch):
    monkeypatch.setattr(S, "FOLDERS", {"RNAseq": "syn6176231"})
    with pytest.raises(DreamTFError, match=r"^Synapse: listing RNAseq \(syn6176231\) failed \(SynapseHTTPError: 404"):
        _listing()


def test_download_verifies_and_a_second_run_fetches_nothing(synapse, tmp_path):
    rel = "DNASE/fold_coverage_wiggles/DNASE.liver.fc.signal.bigwig"
    syn = S.login(StandInSynapse)
    synid = _listing()[rel]
    dest = tmp_path / "rel" / rel
    assert S.fetch_entity(syn, synid, rel, dest) is True
    assert dest.read_bytes() == (synapse / "syn6176233" / "DNASE.liver.fc.signal.bigwig").read_bytes()
    assert S.fetch_entity(syn, synid, rel, dest) is False
    assert StandInSynapse.downloads == [synid]
    assert sorted(p.name for p in dest.parent.iterdir()) == [dest.name]


@pytest.mark.parametrize(
    "what, expected", [("corrupt", "md5 "), ("fail", "Synapse download failed (SynapseHTTPError: 503")]
)
def test_a_failed_download_is_named_and_nothing_kept(synapse, tmp_path, what, expected):
    rel = "annotations/test_regions.blacklistfiltered.bed.gz"
    syn = S.login(StandInSynapse)
    synid = _listing()[rel]
    getattr(StandInSynapse, what).add(synid)
    dest = tmp_path / "rel" / rel
    with pytest.raises(DreamTFError) as err:
        S.fetch_entity(syn, synid, rel, dest)
    msg = str(err.value)
    assert msg.startswith(f"{rel} ({synid}): ") and expected in msg and "nothing of it was kept" in msg
    assert list(dest.parent.iterdir()) == []


def test_the_listing_is_kept_and_read_back_without_logging_in(synapse, tmp_path, monkeypatch):
    dest = tmp_path / "rel" / S.LISTING_NAME
    first = S.release_listing(dest, client_class=StandInSynapse)
    assert S.read_listing(dest) == first

    class NoNetwork:
        def __init__(self, **kwargs):
            raise AssertionError("listed Synapse again")

    monkeypatch.delenv(S.TOKEN_VARIABLE)
    assert S.release_listing(dest, client_class=NoNetwork) == first
    dest.write_text("path\tid\n")
    with pytest.raises(DreamTFError, match=r"synapse.tsv, line 1: expected the header 'path synapse_id'"):
        S.release_listing(dest)
    shutil.rmtree(tmp_path / "rel")
