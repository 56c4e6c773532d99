"""Flanking modules: a share of motif instances carry a matrix no database holds, and binding follows it."""

import hashlib

import numpy as np
import pytest

from conftest import SIM, TINY_SIZES, TINY_TFS
from dreamtf import release as rl
from dreamtf import simulate as sim
from dreamtf.errors import DreamTFError
from dreamtf.io.fasta import reverse_complement_codes
from dreamtf.io.motiffile import read_motif_counts
from dreamtf.simrelease import write_simulated_release


def digest(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def module_matches(cs, tf, core_len, consensus):
    """Per instance, how many of the module's consensus bases sit 4-13 bp upstream of its core, read on its strand."""
    d = cs.tf_sites[tf]
    core = d["pos"] - core_len // 2
    # + strand: the 10 bp ending 4 bp before the core; - strand: the 10 bp starting 4 bp past its end
    start = np.where(d["strand"] > 0, core - 4 - 10, core + core_len + 4)
    win = cs.seq[start[:, None] + np.arange(10)]
    win = np.where(d["strand"][:, None] > 0, win, reverse_complement_codes(win))
    return (win == consensus).sum(axis=1)


@pytest.fixture(scope="module")
def chrom_pair():
    """One 6 Mb chromosome with three TFs, simulated with modules on half the instances and without."""
    tfs = sim.DEFAULT_TFS
    cells = rl.cells_of(tfs)
    models = sim.load_tfs(list(tfs))
    erng = sim.rng_for(1, "expression")
    expr = {(m.name, c): sim.tf_expression(m.name, c, erng) for m in models for c in cells}
    flank = sim.FlankModules.draw(0.5, 1, list(tfs))
    args = ("chr2", 6_000_000, cells, models, expr)
    with_ = sim.simulate_chrom(*args, sim.rng_for(1, "chrom", "chr2"), 1_000, flank)
    without = sim.simulate_chrom(*args, sim.rng_for(1, "chrom", "chr2"), 1_000)
    return dict(cells=cells, models=models, expr=expr, flank=flank, with_=with_, without=without)


def test_module_matrices_are_distinct_cpg_free_consensi():
    for seed in range(40):
        m = sim.flank_matrix(np.random.default_rng(seed))
        assert m.shape == (10, 4) and np.allclose(m.sum(axis=1), 1)
        assert np.all((m.max(axis=1) >= 0.8) & (m.max(axis=1) <= 0.9))
        cons = m.argmax(axis=1)
        assert not np.any((cons[:-1] == 1) & (cons[1:] == 2)) and len(set(cons.tolist())) >= 3
    a, b = sim.FlankModules.draw(0.5, 1, ["CTCF", "REST"]), sim.FlankModules.draw(0.5, 1, ["REST"])
    assert np.array_equal(a.matrices["REST"], b.matrices["REST"])  # per TF, whatever else is simulated
    assert not np.array_equal(a.matrices["CTCF"].argmax(1), a.matrices["REST"].argmax(1))


def test_modules_sit_upstream_of_half_the_cores_on_their_strand(chrom_pair):
    present, flags, chance = [], [], []
    for m in chrom_pair["models"]:
        cons = chrom_pair["flank"].matrices[m.name].argmax(axis=1)
        present.append(module_matches(chrom_pair["with_"], m.name, len(m.motif), cons) >= 6)
        flags.append(chrom_pair["with_"].tf_sites[m.name]["flank"])
        chance.append(module_matches(chrom_pair["without"], m.name, len(m.motif), cons) >= 6)
    present, flags, chance = map(np.concatenate, (present, flags, chance))
    assert len(present) > 800
    assert 0.42 < present.mean() < 0.58, present.mean()
    assert (present == flags).mean() > 0.95  # the sequence holds what the simulator says it planted
    assert chance.mean() < 0.05  # without modules, consensus matches there are chance


def test_modules_come_from_their_own_stream(chrom_pair):
    """Everything but the module bases is as without modules: no draw of the chromosome's stream moved."""
    w, wo = chrom_pair["with_"], chrom_pair["without"]
    assert np.array_equal(w.site_open, wo.site_open) and np.array_equal(w.site_pos, wo.site_pos)
    spans = np.zeros(len(w.seq), dtype=bool)
    for m in chrom_pair["models"]:
        d, d0 = w.tf_sites[m.name], wo.tf_sites[m.name]
        for key in ("pos", "strand", "rel", "site", "indirect_site", "indirect_bound"):
            assert np.array_equal(d[key], d0[key]), (m.name, key)
        start = sim.flank_starts(d["pos"][d["flank"]], d["strand"][d["flank"]], len(m.motif))
        spans[(start[:, None] + np.arange(sim.FLANK_LEN)).ravel()] = True
    changed = w.seq != wo.seq
    assert changed.any() and not (changed & ~spans).any()


def test_binding_follows_the_module(chrom_pair):
    w, cells, expr = chrom_pair["with_"], chrom_pair["cells"], chrom_pair["expr"]
    bound_has, any_has, strong_unbound_has, open_has, open_bound = [], [], [], [], []
    for m in chrom_pair["models"]:
        d = w.tf_sites[m.name]
        cons = chrom_pair["flank"].matrices[m.name].argmax(axis=1)
        has = module_matches(w, m.name, len(m.motif), cons) >= 6
        expressed = np.array([expr[(m.name, c)] > 5 for c in cells])  # where the TF can bind at all
        bound = d["bound"][:, expressed]
        is_open = np.where(d["site"][:, None] >= 0, w.site_open[np.maximum(d["site"], 0)], False)[:, expressed]
        has2 = np.broadcast_to(has[:, None], bound.shape)
        bound_has.append(has2[bound])
        any_has.append(has[d["bound"].any(axis=1)])
        strong_unbound_has.append(has2[(d["rel"] > 0.8)[:, None] & is_open & ~bound])
        flag2 = np.broadcast_to(d["flank"][:, None], bound.shape)
        open_has.append(flag2[is_open])
        open_bound.append(bound[is_open])
    bound_has, any_has, strong, open_has, open_bound = map(
        np.concatenate, (bound_has, any_has, strong_unbound_has, open_has, open_bound)
    )
    assert len(bound_has) > 300 and len(strong) > 200
    assert bound_has.mean() > 0.7, bound_has.mean()  # about 1 / (1 + 0.2) with half carrying it
    # an instance bound in any of several cells includes modules-less ones bound once by luck
    assert any_has.mean() > 0.6, any_has.mean()
    assert strong.mean() < 0.35, strong.mean()  # strong core matches left unbound mostly lack it
    ratio = open_bound[~open_has].mean() / open_bound[open_has].mean()
    assert 0.12 < ratio < 0.3, ratio  # FLANK_ABSENT: 5 times less often


def test_flank_module_zero_gives_todays_bytes(tiny_release, tmp_path):
    out = tmp_path / "zero"
    summary = write_simulated_release(out, seed=7, chrom_sizes=TINY_SIZES, tfs=TINY_TFS, **SIM, flank_module=0.0)
    assert digest(out) == digest(tiny_release) and "flank_module_sites" not in summary
    with pytest.raises(DreamTFError, match=r"^flank_module is 1.5; expected a share from 0 to 1$"):
        write_simulated_release(tmp_path / "bad", seed=7, chrom_sizes=TINY_SIZES, tfs=TINY_TFS, **SIM, flank_module=1.5)
    assert not (tmp_path / "bad").exists()


def test_release_records_its_modules(tiny_release, tmp_path):
    tfs = sim.DEFAULT_TFS
    out = tmp_path / "flank"
    summary = write_simulated_release(out, seed=7, chrom_sizes=TINY_SIZES, tfs=tfs, **SIM, flank_module=0.5)
    meme = rl.flank_modules_path(out)
    text = meme.read_text()
    assert text.count("\nMOTIF ") == len(tfs)
    drawn = sim.FlankModules.draw(0.5, 7, list(tfs)).matrices
    for tf in tfs:
        mid, counts = read_motif_counts(meme, tf)
        assert mid == tf and counts.shape == (10, 4)
        assert np.allclose(counts / 100, drawn[tf], atol=1e-6)
        n = summary["flank_module_sites"][tf]
        assert n > 30 and f"w= 10 nsites= {n} " in text
    # the release's checks read only the challenge's files; the module file is no obstacle
    cells = rl.cells_of(tfs)
    check_release(out, tfs, cells)
    # only what binding or the sequence touches differs from a release without modules
    plain = tmp_path / "plain"
    write_simulated_release(plain, seed=7, chrom_sizes=TINY_SIZES, tfs=tfs, **SIM)
    a, b = digest(out), digest(plain)
    assert set(a) - set(b) == {"flank_modules.meme"} and set(b) <= set(a)
    same = [k for k in b if a[k] == b[k]]
    assert {"annotations/genome.chrom.sizes", "annotations/blacklist.bed.gz"} <= set(same)
    assert any(k.startswith("annotations/train_regions") for k in same) and all(
        k in same for k in b if k.startswith("RNAseq/")
    )
    assert a["annotations/hg19.genome.fa.gz"] != b["annotations/hg19.genome.fa.gz"]
    assert all(a[k] != b[k] for k in b if k.startswith("ChIPseq/labels/"))
    # simulated again without modules, the folder keeps no module file from before
    write_simulated_release(out, seed=7, chrom_sizes=TINY_SIZES, tfs=tfs, **SIM)
    assert digest(out) == b


def check_release(out, tfs, cells):
    return rl.check_release(
        fasta=rl.fasta_path(out, "hg19.genome.fa.gz"),
        bigwigs={c: rl.dnase_bigwig_path(out, c) for c in cells},
        regions={s: rl.regions_path(out, s) for s in ("train", "test")},
        labels={rl.labels_path(out, tf): spec["train_cells"] for tf, spec in tfs.items()},
        size=SIM["size"],
        test_chroms=list(SIM["test_chroms"]),
        valid_chroms=["chr11"],
    )
