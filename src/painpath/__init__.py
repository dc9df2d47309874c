"""painpath: clinical pathway and outcomes registry for chronic musculoskeletal pain."""

__version__ = "0.1.0"
