"""The crawler's objects of the care apps, one module per area (``tests/test_crawler.py`` calls each).

Each module has ``PK_OBJECT`` (URL name prefix → attribute of the township's namespace, as in the crawler) and
``build(side, actor, reviewer)``, which creates the area's objects for one township (``side`` has ``tag``,
``township``, ``household``, ``member`` (the head), ``child``, ``village``), sets them as attributes of ``side``
and appends to ``side.markers`` the texts another township must never see (and to ``side.secrets`` the full
numbers an auditor must never see)."""

from tests.crawl import childcare_children, childcare_groups, eldercare_homes, eldercare_people, eldercare_safety

AREAS = (eldercare_homes, eldercare_safety, eldercare_people, childcare_children, childcare_groups)
