//! CloudWatch Logs deliveries in memory, with the service's rules onboarding relies on (PutDeliverySource and
//! PutDeliveryDestination are upserts, but a source keeps its resource; one delivery per source and
//! destination type; `ConflictException` otherwise), as moto 5.2.5 implements them too.

use super::onboard::MemoryAws;
use crate::ports::{
    Deliveries, Delivery, DeliveryDestination, DeliverySource, DestinationKind, OnboardError, OnboardResult,
};

fn conflict(operation: &'static str, message: &str) -> OnboardError {
    OnboardError::Rejected {
        service: "CloudWatch Logs",
        operation,
        code: Some("ConflictException".into()),
        message: format!("ConflictException: {message}"),
        source: message.to_string().into(),
    }
}

impl Deliveries for MemoryAws {
    async fn sources(&self) -> OnboardResult<Vec<DeliverySource>> {
        Ok(self.with(|s| s.deliveries.sources.clone()))
    }

    async fn destinations(&self) -> OnboardResult<Vec<DeliveryDestination>> {
        Ok(self.with(|s| s.deliveries.destinations.clone()))
    }

    async fn deliveries(&self) -> OnboardResult<Vec<Delivery>> {
        Ok(self.with(|s| s.deliveries.deliveries.clone()))
    }

    async fn put_source(&self, name: &str, resource_arn: &str, log_type: &str) -> OnboardResult<()> {
        self.with(|s| {
            let d = &mut s.deliveries;
            if let Some(old) = d.sources.iter().find(|x| x.name == name) {
                if !old.resource_arns.iter().any(|r| r == resource_arn) {
                    return Err(conflict("PutDeliverySource", "new ResourceId is not allowed"));
                }
            } else {
                d.sources.push(DeliverySource {
                    name: name.into(),
                    resource_arns: vec![resource_arn.into()],
                    log_type: log_type.into(),
                });
            }
            s.writes.push(format!("put_source {name}"));
            Ok(())
        })
    }

    async fn put_destination(&self, name: &str, resource_arn: &str, output_format: &str) -> OnboardResult<String> {
        self.with(|s| {
            let arn = format!("arn:aws:logs:eu-west-1:123456789012:delivery-destination:{name}");
            s.deliveries.destinations.retain(|x| x.name != name);
            s.deliveries.destinations.push(DeliveryDestination {
                name: name.into(),
                arn: arn.clone(),
                resource_arn: resource_arn.into(),
                output_format: Some(output_format.into()),
            });
            s.writes.push(format!("put_destination {name}"));
            Ok(arn)
        })
    }

    async fn create_delivery(&self, source_name: &str, destination_arn: &str) -> OnboardResult<String> {
        self.with(|s| {
            let d = &mut s.deliveries;
            let kind_of = |arn: &str| {
                d.destinations
                    .iter()
                    .find(|x| x.arn == arn)
                    .map(|x| DestinationKind::of(&x.resource_arn))
            };
            let kind = kind_of(destination_arn);
            if kind.is_none() || !d.sources.iter().any(|x| x.name == source_name) {
                return Err(OnboardError::NotFound {
                    what: "delivery source or destination",
                    name: source_name.into(),
                });
            }
            if d.deliveries
                .iter()
                .any(|x| x.source_name == source_name && kind_of(&x.destination_arn) == kind)
            {
                return Err(conflict("CreateDelivery", "Delivery already exists"));
            }
            let id = format!("delivery{}", d.deliveries.len() + 1);
            d.deliveries.push(Delivery {
                id: id.clone(),
                source_name: source_name.into(),
                destination_arn: destination_arn.into(),
            });
            s.writes.push(format!("create_delivery {id}"));
            Ok(id)
        })
    }
}
