"""The classification workbench (issue 16): latent classes on baseline answers, the
prognostic validity of any classification, and synthetic registries with a planted structure
to show that both find what is there (docs/workbench.md). Pure Python, no Django;
scikit-learn and SciPy are imported by the functions that need them (StepMix only by the
tests, as the reference the EM is checked against)."""
