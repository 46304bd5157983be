"""What the tests import: plain functions and constants (the pytest fixtures are in tests/conftest.py).

- ``paths``: ROOT, TESTCHARTS, SHARED (../shared), ``chart_path``, ``shared_path``
- ``cli``: ``cli()`` runs ``chartguard`` in-process or as a real process; ``assert_one_line_error``
- ``lint``: ``lint_testchart`` (and its cached twin), ``lint_gpu_workloads``, ``lint_objects``, ``found``
- ``objects``: ``pod()`` and ``minimal_review()``
- ``rules``: what tests/rules/ shares (rule groups, the test charts' objects, findings as rows)
- ``pki``: ``write_pki`` (trustme certificates for the HTTPS tests)
- ``serve``: real ``chartguard serve`` processes and an HTTPS client (``Served``)
- ``chart_server``: an HTTPS chart host and OCI registry on 127.0.0.1
"""
