"""Readers and writers of every file format dreamtf touches, one module per format.

This layer imports nothing else from the package (only ``dreamtf.errors``): the core
(windows, labels, metrics, features, motifs) and the models sit on top of it and never
open a file format themselves. Every reader checks what it reads and raises
:class:`dreamtf.errors.DreamTFError` naming the file, the line and what was expected;
every writer writes atomically (a temporary file renamed into place).

=================  ===========================================================
``files``          gzip-aware text reading, atomic writes
``tsv``            Arrow-backed streaming TSV reading and batched writing
``chroms``         chromosome names: natural order, lists, chrom.sizes files
``bed``            BED3 intervals (blacklists)
``fasta``          FASTA records, base codes, the memory-mapped genome code cache
``bigwig``         bigWig signal tracks
``narrowpeak``     ENCODE narrowPeak files
``windowtable``    window tables: region BEDs, U/A/B label TSVs, submissions
``gtf``            GENCODE GTF genes (TSS, names)
``rnaseq``         RSEM gene expression tables
``motiffile``      JASPAR and MEME motif files
``featurefile``    cached feature matrices (one per chromosome)
``archive``        zip bundles with fixed time stamps (catchitt models, feature caches)
``scorefile``      per-run score records (JSON) and ``scores.tsv``
=================  ===========================================================
"""
