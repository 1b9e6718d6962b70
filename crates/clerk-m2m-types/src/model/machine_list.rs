//! A page of machines from the list call.

use super::{lenient, Machine};
use serde::{Deserialize, Serialize};

/// One page of machines and how many the instance has in all (that match
/// the query): `{"data": […], "total_count": N}` on the wire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MachineList {
    /// The machines on this page.
    #[serde(rename = "data")]
    pub machines: Vec<Machine>,
    /// How many machines match in all.
    #[serde(deserialize_with = "lenient::unsigned")]
    pub total_count: u64,
}

impl MachineList {
    /// A list page from its parts.
    pub fn new(machines: Vec<Machine>, total_count: u64) -> Self {
        Self {
            machines,
            total_count,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_the_api_shape() {
        let json = r#"{"data":[{"object":"machine","id":"mch_1","name":"n","instance_id":"ins_1","created_at":1,"updated_at":1,"scoped_machines":[]}],"total_count":3.0,"next":null}"#;
        let list: MachineList = serde_json::from_str(json).unwrap();
        assert_eq!(list.machines.len(), 1);
        assert_eq!(list.total_count, 3);
        let value = serde_json::to_value(&list).unwrap();
        assert_eq!(value["data"][0]["id"], "mch_1");
        assert_eq!(value["total_count"], 3);
    }
}
