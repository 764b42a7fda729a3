"""Factories for test data. Call `XFactory.create(...)`: typed as the model (factory_boy types `XFactory(...)` as the factory)."""

from __future__ import annotations

import random
from decimal import Decimal

import factory

from yingshang.enterprises.models import Enterprise, IndustryChain, Park, Qualification, Scale, Township
from yingshang.enterprises.services import name_initials
from yingshang.enterprises.validators import generate_uscc

_rng = random.Random(20261122)


class TownshipFactory(factory.django.DjangoModelFactory[Township]):
    class Meta:
        model = Township
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试镇{n}")


class ParkFactory(factory.django.DjangoModelFactory[Park]):
    class Meta:
        model = Park
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试园区{n}")


class IndustryChainFactory(factory.django.DjangoModelFactory[IndustryChain]):
    class Meta:
        model = IndustryChain
        django_get_or_create = ("name",)

    name = "装备制造"


class QualificationFactory(factory.django.DjangoModelFactory[Qualification]):
    class Meta:
        model = Qualification
        django_get_or_create = ("code",)

    code = "high_tech"
    name = "高新技术企业"


class EnterpriseFactory(factory.django.DjangoModelFactory[Enterprise]):
    class Meta:
        model = Enterprise

    uscc = factory.LazyFunction(lambda: generate_uscc(_rng))
    name = factory.Sequence(lambda n: f"荆门测试科技有限公司{n}")
    name_initials = factory.LazyAttribute(lambda o: name_initials(o.name))
    legal_representative = "张三"
    township = factory.SubFactory(TownshipFactory)
    scale = Scale.BELOW
    employees = 50
    annual_revenue = Decimal("1200.00")
    contact_person = "李四"
    contact_phone = "13912345678"
