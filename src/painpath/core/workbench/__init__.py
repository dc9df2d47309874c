"""The classification workbench (issue 16): latent classes on baseline answers, the
prognostic validity of any classification, and synthetic registries with a planted structure
to show that both find what is there (docs/workbench.md). Pure Python, no Django; StepMix,
scikit-learn and SciPy are imported by the functions that need them."""
