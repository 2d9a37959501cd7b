"""Billing: social-tariff eligibility, plans and options, monthly runs, invoices, payments,
the humane dunning path."""

from isp.registry import Contributions

#: What this domain adds to the application (docs/architecture.md §2).
CONTRIBUTES = Contributions(
    models=('models', 'models_options'),
    pages=('views', 'views_options', 'views_plans'),
    api=('api', 'api_options', 'api_plans'),
    imports=('imports',),
    commands=('cli',),
    jobs=('jobs',),
    handlers=('handlers_options',),
    demo=('demo',),
    erase_household=('retention:anonymise_household_billing',),
    household_panels=((30, 'views:_household_billing_panel'),
                      (35, 'views_options:_household_options_panel')),
    purge_expired=((30, 'retention:purge_expired_evidence'), (70, 'retention:purge_expired_money')),
    provides=(('in_arrears_condition', 'queries:in_arrears_condition'),
              ('arrears_column', 'queries:arrears_column'),
              ('dunning_step_condition', 'queries:dunning_step_condition'),
              ('dunning_step_column', 'queries:dunning_step_column'),
              ('dunning_step_labels', 'published:dunning_step_labels'),
              ('debt_reduction_day', 'published:debt_reduction_day'),
              ('check_reduction', 'dunning:check_reduction'),
              ('tier_codes', 'published:tier_codes'),
              ('plan_codes', 'published:plan_codes'),
              # What a subscription's switch port carries (network.provisioning.queue).
              ('plan_speeds_kbps', 'tariffs:plan_speeds_kbps'),
              ('switch_needs', 'options:switch_needs')),
)
